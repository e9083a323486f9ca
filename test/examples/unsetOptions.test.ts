import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { executionSettings } from '../../src/governanceOptions.js';
import { defaultExecutionSettings } from '../../src/workers/executionSettings.js';

const root = new URL('../../', import.meta.url).pathname;
const fixture = join(root, 'test/examples/unsetOptions.fixture.ts');
const initDir = mkdtempSync(join(tmpdir(), 'countersign-tsc-init-'));
afterAll(() => rmSync(initDir, { recursive: true, force: true }));

/** The compiler options of the tsconfig.json that this TypeScript's `tsc --init` writes. */
function tscInitOptions(): ts.CompilerOptions {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['--init'], { cwd: initDir, stdio: 'pipe' });
  const path = join(initDir, 'tsconfig.json');
  const { config } = ts.readConfigFile(path, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config, ts.sys, initDir).options;
}

describe('options a host leaves unset', () => {
  it('accept undefined under the tsconfig that tsc --init writes', () => {
    const options = tscInitOptions();
    expect(options.exactOptionalPropertyTypes).toBe(true);
    const program = ts.createProgram([fixture], { ...options, noEmit: true, types: ['node'] });
    // Only the fixture's own errors: the sources are checked under the project's tsconfig.
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === fixture)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  });

  it('fall back to their defaults when given as undefined', () => {
    expect(executionSettings({ maxAttempts: undefined, leaseGraceMs: 7 })).toEqual({
      ...defaultExecutionSettings,
      leaseGraceMs: 7,
    });
    expect(executionSettings(undefined)).toEqual(defaultExecutionSettings);
  });
});
