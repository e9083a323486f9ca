import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixtureTools, openRefundLane, useHarness } from '../proposals/fixtures.js';
import { builtCli } from './support/builtCli.js';

/**
 * Runs the built CLI with its stdout a pipe read one chunk at a time with a pause between
 * chunks, as a slow consumer (`| jq`, a script) reads it; resolves with the exit code and
 * every byte that came through the pipe.
 */
function readSlowly(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [builtCli, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 25);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks).toString('utf8') }));
  });
}

describe('the built CLI writes everything before it exits', () => {
  const h = useHarness(fixtureTools, { enqueue: () => {} });

  it('lanes list --json of 500 lanes, piped to a slow reader, arrives whole', async () => {
    for (let batch = 0; batch < 50; batch += 1) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => openRefundLane(h.gov, `o-pipe-${batch}-${i}`)),
      );
    }

    const listed = await readSlowly([
      'lanes',
      'list',
      '--json',
      '--limit',
      '500',
      '--database-url',
      h.url,
    ]);

    expect(listed.stdout.length).toBeGreaterThan(500_000);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).items).toHaveLength(500);
  }, 120_000);
});
