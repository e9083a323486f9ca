import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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
