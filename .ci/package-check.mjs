/* global console, process */
// The package as a user gets it: `npm pack`, installed into a fresh project, where the
// README's library example is type-checked (also under the tsconfig.json that `tsc --init`
// writes, in a project set up as the README says) and run, the package is loaded with both
// `import` and `require`, and the CLI runs on the embedded database. Each step counts as a
// test in CI's summary (test-results/package.json).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'countersign-package-'));
const results = [];

// The README's library example: the first TypeScript block of its "Example" section.
const readmeExample = readFileSync(join(root, 'README.md'), 'utf8').match(
  /^## Example\n[\s\S]*?^```ts\n([\s\S]*?)^```$/m,
)?.[1];
if (!readmeExample) throw new Error("README.md: no ```ts block in the 'Example' section");

function step(name, fn) {
  try {
    const out = fn();
    results.push({ name, ok: true });
    console.log(`✓ ${name}${out ? `\n${String(out).trim().replace(/^/gm, '    ')}` : ''}`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`✗ ${name}\n${String(error.stdout ?? '')}${String(error.stderr ?? error.message)}`);
  }
}

// The embedded database: DATABASE_URL removed, as on a machine without a server.
const { DATABASE_URL: _unused, ...embeddedEnv } = process.env;
const run = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 180_000, stdio: 'pipe', ...opts });

let tarball = '';
step('npm pack', () => {
  tarball = join(
    dir,
    run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root })
      .trim()
      .split('\n')
      .at(-1),
  );
  return tarball;
});
step('installs into a fresh project', () => {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'host', private: true, type: 'module' }),
  );
  run('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    tarball,
    `zod@${pkg.dependencies.zod}`,
    `typescript@${pkg.devDependencies.typescript}`,
    `@types/node@${pkg.devDependencies['@types/node']}`,
  ]);
});
step("the README's example type-checks against the installed types", () => {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src/example.ts'), readmeExample);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        outDir: 'out',
        skipLibCheck: false,
      },
      include: ['src'],
    }),
  );
  run('npx', ['tsc', '--noEmit']);
});
step("the README's example type-checks under the tsconfig.json `tsc --init` writes", () => {
  // A project of its own, set up as the README says: `npm init -y` writes
  // `"type": "commonjs"`, where the example's imports and top-level await do not compile.
  const project = join(dir, 'tsc-init');
  mkdirSync(project);
  run('npm', ['init', '-y'], { cwd: project });
  run('npm', ['pkg', 'set', 'type=module'], { cwd: project });
  // The fresh project's compiler: npx would look for `tsc` in this project's own folder.
  const tsc = join(dir, 'node_modules/.bin/tsc');
  run(tsc, ['--init'], { cwd: project });
  writeFileSync(join(project, 'example.ts'), readmeExample);
  run(tsc, ['--noEmit'], { cwd: project });
});
step("the README's example runs and exits by itself", () => {
  run('npx', ['tsc']);
  const out = run('node', ['out/example.js'], { env: embeddedEnv });
  if (!out.includes('approved')) throw new Error(`unexpected output: ${out}`);
  return out;
});
step('import works', () =>
  run('node', [
    '--input-type=module',
    '-e',
    "const m = await import('countersign'); if (typeof m.createGovernance !== 'function') process.exit(1); const s = await import('countersign/machines'); if (!s.approvalLaneMachine) process.exit(1)",
  ]),
);
step('require works', () =>
  run('node', [
    '--input-type=commonjs',
    '-e',
    "const m = require('countersign'); if (typeof m.createGovernance !== 'function' || typeof m.createServer !== 'function') process.exit(1)",
  ]),
);
step('npx countersign --help', () => run('npx', ['countersign', '--help']).split('\n')[0]);
step('npx countersign migrate on the embedded database', () => {
  const out = run('npx', ['countersign', 'migrate', '--data-dir', join(dir, 'pgdata')], {
    env: embeddedEnv,
  });
  if (!/applied Migration/.test(out)) throw new Error(out);
  return out.split('\n').at(-2);
});

const failed = results.filter((r) => !r.ok).length;
mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(
  join(root, 'test-results/package.json'),
  JSON.stringify({
    numPassedTests: results.length - failed,
    numFailedTests: failed,
    numPendingTests: 0,
    numTodoTests: 0,
  }),
);
process.exit(failed > 0 ? 1 : 0);
