import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Runs benchmarks in this tree and in an earlier commit, alternating, in one run, and prints
// each figure under the tree that measured it: a change is judged against the tree before it
// on the same machine in the same minutes, not against figures from another day.
//
//   npx tsx bench/compare.ts [--against <commit>] [--rounds <n>] [bench …]
//
// A bench is a file of bench/ and its exported runner: workers (lifecycles through the
// workers), cases (lifecycles in cases with budgets), quorum (decisions/s). The earlier
// commit is checked out in a temporary worktree that shares this tree's node_modules.

const runners: Record<string, string> = {
  workers: 'runWorkerBench',
  cases: 'runCaseBench',
  quorum: 'runQuorumBench',
  lanes: 'runLaneBench',
  proposals: 'runProposalBench',
};

function parseArgs(argv: string[]) {
  const opts = { against: 'HEAD~1', rounds: 2, benches: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--against') opts.against = argv[++i]!;
    else if (arg === '--rounds') opts.rounds = Number(argv[++i]);
    else if (runners[arg]) opts.benches.push(arg);
    else throw new Error(`unknown argument ${arg}; benches: ${Object.keys(runners).join(', ')}`);
  }
  if (opts.benches.length === 0) opts.benches = ['workers', 'cases', 'quorum'];
  return opts;
}

const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();

/** Runs one bench in `dir`'s tree and returns what it printed. */
function runBench(dir: string, bench: string): string {
  const code =
    `import('./bench/${bench}.ts').then((m) => m.${runners[bench]}())` +
    '.catch((e) => { console.error(String(e)); process.exit(1); })';
  const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
  const run = spawnSync(tsx, ['--eval', code], { cwd: dir, encoding: 'utf8', env: process.env });
  if (run.status !== 0) return `failed (${run.status}): ${run.stderr.trim().split('\n')[0]}`;
  return run.stdout.trim();
}

const opts = parseArgs(process.argv.slice(2));
const earlier = git('rev-parse', '--short', opts.against);
const here = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
const worktree = mkdtempSync(join(tmpdir(), 'countersign-bench-'));
git('worktree', 'add', '--detach', worktree, earlier);
try {
  symlinkSync(join(process.cwd(), 'node_modules'), join(worktree, 'node_modules'));
  const trees = [
    { label: `this tree (${here}${dirty ? ', with changes' : ''})`, dir: process.cwd() },
    { label: `earlier (${earlier})`, dir: worktree },
  ];
  console.log(`countersign bench compare: node ${process.version}, ${opts.rounds} rounds`);
  for (const bench of opts.benches) {
    for (let round = 1; round <= opts.rounds; round++) {
      // Alternate which tree goes first, so neither always meets a warmer machine.
      const order = round % 2 === 1 ? trees : [...trees].reverse();
      for (const tree of order) {
        if (!existsSync(join(tree.dir, 'bench', `${bench}.ts`))) continue;
        console.log(`\n== ${bench}, round ${round}: ${tree.label}`);
        console.log(runBench(tree.dir, bench));
      }
    }
  }
} finally {
  rmSync(worktree, { recursive: true, force: true });
  git('worktree', 'prune');
}
