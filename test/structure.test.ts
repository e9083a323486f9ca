import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Detector, MemoryStore } from '@jscpd/core';
import type { IClone, IMapFrame } from '@jscpd/core';
import { Tokenizer } from '@jscpd/tokenizer';
import { describe, expect, it } from 'vitest';

// The house rule a reader relies on: small production files, one job each. A machine's
// config may run longer where it reads top to bottom.
const root = new URL('../', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'migrations' ? [] : tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const production = ['src', 'machines', 'persistence', 'scheduler'].flatMap((d) =>
  tsFiles(join(root, d)),
);

describe('production files', () => {
  it.each(production.filter((f) => !f.endsWith('.machine.ts')).map((f) => relative(root, f)))(
    '%s is at most 300 lines',
    (file) => {
      expect(readFileSync(join(root, file), 'utf8').split('\n').length).toBeLessThanOrEqual(301);
    },
  );
});

/**
 * Pairs of files (`a ~ b`, root-relative) that hold a run of 6 or more lines with the same
 * tokens, as a copy-paste detector finds them.
 */
async function copiedRuns(files: string[]): Promise<string[]> {
  const detector = new Detector(new Tokenizer(), new MemoryStore<IMapFrame>(), undefined, {
    minLines: 6,
    minTokens: 50,
    format: ['typescript'],
  });
  const clones: IClone[] = [];
  for (const file of files) {
    clones.push(...(await detector.detect(file, readFileSync(file, 'utf8'), 'typescript')));
  }
  const name = (id: string) => relative(root, id);
  return clones.map((c) => `${name(c.duplicationA.sourceId)} ~ ${name(c.duplicationB.sourceId)}`);
}

describe('logic written once', () => {
  it('no run of lines is written twice in src/, persistence/, machines/ or scheduler/', async () => {
    expect(await copiedRuns(production)).toEqual([]);
  });

  it('test suites share their set-up: what repeats under test/ is expectations written out', async () => {
    // Each suite states what it expects in full, so a reader need not look elsewhere:
    // the reads after a rejection, at distinct times and at one instant.
    expect((await copiedRuns(tsFiles(join(root, 'test')))).sort()).toEqual([
      'test/lanes/approvalReadsSameInstant.test.ts ~ test/lanes/approvalReads.test.ts',
    ]);
  });
});
