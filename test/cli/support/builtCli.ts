import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The built CLI, as the package's `bin` runs it (`npm test` builds first). */
export const builtCli = new URL('../../../dist/src/cli.js', import.meta.url).pathname;

/** Runs the built CLI in a child process; resolves with its exit code and output. */
export async function countersign(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build`);
  try {
    const { stdout, stderr } = await run(process.execPath, [builtCli, ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
