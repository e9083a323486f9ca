import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const childScript = fileURLToPath(new URL('../fixtures/workerChild.ts', import.meta.url));

/** A worker process started by {@link startWorkerProcess}. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/**
 * Starts `fixtures/workerChild.ts` on `url` (with `env` added) and resolves once it prints
 * `ready`; rejects if it exits first.
 */
export function startWorkerProcess(
  url: string,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const ready = /ready (\d+)/.exec(output);
      if (ready) resolve({ child, pid: Number(ready[1]), exited, output: () => output });
    });
    child.on('error', reject);
    void exited.then(({ code, signal }) =>
      reject(new Error(`worker exited (${code ?? signal}) before it was ready: ${output}`)),
    );
  });
}
