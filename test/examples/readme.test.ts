import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The README's library example is a file CI runs from the packed package: they must agree.
describe('the README', () => {
  it('shows examples/library/example.ts as it is, the example CI runs from the package', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(
      new URL('../../examples/library/example.ts', import.meta.url),
      'utf8',
    );
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
