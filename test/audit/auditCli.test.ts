import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixtureTools, openRefundLane, useHarness } from '../proposals/fixtures.js';

const run = promisify(execFile);
const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
const signingKey = { keyId: 'cli-key', hmacSecret: 'a secret for the audit CLI tests!!' };

/** Runs the CLI in a child process; resolves with its exit code and output. */
async function countersign(...args: string[]) {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', cli, ...args]);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('countersign audit checkpoint / verify', () => {
  const h = useHarness(fixtureTools, { enqueue: () => {}, audit: { signingKey } });
  const dir = mkdtempSync(join(tmpdir(), 'countersign-audit-'));
  const keyFile = join(dir, 'keys.json');
  writeFileSync(keyFile, JSON.stringify({ signingKey }));

  it('prints a checkpoint that verify accepts, then exits 1 once a chain is rolled back', async () => {
    const { proposalId } = await openRefundLane(h.gov, 'o-cli');

    const made = await countersign(
      'audit',
      'checkpoint',
      '--key-file',
      keyFile,
      '--database-url',
      h.url,
    );
    expect(made.code).toBe(0);
    const checkpointFile = join(dir, 'checkpoint.json');
    writeFileSync(checkpointFile, made.stdout);
    expect(JSON.parse(made.stdout)).toMatchObject({
      format: 'countersign.checkpoint/1',
      keyId: 'cli-key',
    });

    const args = [
      'audit',
      'verify',
      '--checkpoint',
      checkpointFile,
      '--key-file',
      keyFile,
      '--database-url',
      h.url,
    ];
    const clean = await countersign(...args);
    expect(clean).toMatchObject({ code: 0 });
    expect(clean.stdout).toMatch(/trails verified, 0 findings/);

    // Roll the chain back to its first event.
    const [first] = await h.sql.query<{ hash: string }>(
      'select hash from tool_action_events where proposal_id = ? and seq = 1',
      [proposalId],
    );
    await h.sql.query('delete from tool_approvals where proposal_id = ?', [proposalId]);
    await h.sql.query('delete from tool_action_events where proposal_id = ? and seq > 1', [
      proposalId,
    ]);
    await h.sql.query('update tool_proposals set audit_seq = 1, audit_head = ? where id = ?', [
      first!.hash,
      proposalId,
    ]);

    const found = await countersign(...args);
    expect(found.code).toBe(1);
    expect(found.stdout).toContain('rolled_back');
    expect(found.stdout).toContain(proposalId);
  });
});
