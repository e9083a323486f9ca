import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGovernance, isCountersignError, isDatabaseError } from '../../src/index.js';
import type { Governance } from '../../src/index.js';
import { countersign } from '../cli/support/builtCli.js';
import { fixtureTools, payer, rejectionOf } from '../proposals/fixtures.js';

// This file runs in its own worker process: without the variable, every governance here is
// embedded in the directory it names.
delete process.env.DATABASE_URL;

const scratch = mkdtempSync(join(tmpdir(), 'countersign-lock-'));
const opened: Governance[] = [];
afterAll(async () => {
  for (const gov of opened.reverse()) await gov.close();
});

/** A governance on the embedded directory `dir`, closed after the suite. */
async function embedded(dir: string, extra: Record<string, unknown> = {}): Promise<Governance> {
  const gov = await createGovernance({
    tools: fixtureTools,
    embeddedDataDir: dir,
    enqueue: () => {},
    ...extra,
  });
  opened.push(gov);
  return gov;
}

const lockOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'countersign.lock'), 'utf8')) as { pid: number; url: string };

describe('one process at a time opens an embedded data directory', () => {
  it('a second open of a held directory is refused at once with one line naming the holder', async () => {
    const dir = join(scratch, 'held');
    await embedded(dir);
    expect(lockOf(dir).pid).toBe(process.pid);
    const error = await rejectionOf(embedded(dir));
    expect(isDatabaseError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'database_in_use', holder: { pid: process.pid } });
    expect((error as Error).message).toBe(
      `the embedded database ${dir} is in use by pid ${process.pid}; stop it or use --database-url`,
    );
  });

  it("a lock left by a process that died is taken over; close removes this process's lock", async () => {
    const dir = join(scratch, 'stale');
    const first = await embedded(dir);
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    expect(existsSync(join(dir, 'countersign.lock'))).toBe(false);
    // The pid of a process that has exited, as a crash would leave it.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, 'countersign.lock'), JSON.stringify({ pid: gone, url: null }));
    const gov = await embedded(dir);
    expect(lockOf(dir).pid).toBe(process.pid);
    const result = await gov.propose('refund', 'agent-l', {
      input: { orderId: 'lock-1', cents: 5 },
      ...payer,
    });
    expect(result.ok).toBe(true);
    await gov.close();
    opened.splice(opened.indexOf(gov), 1);
    // A restarted container's process can have the pid of the one that left the lock.
    writeFileSync(join(dir, 'countersign.lock'), JSON.stringify({ pid: process.pid, url: null }));
    await embedded(dir);
    expect(lockOf(dir).url).toMatch(/^postgres:/);
  });

  it("with embeddedInUse: 'join', a second opener uses the holder's database through its socket", async () => {
    const dir = join(scratch, 'joined');
    const holder = await embedded(dir);
    const joined = await embedded(dir, { embeddedInUse: 'join', applyMigrations: false });
    const made = await holder.propose('refund', 'agent-j', {
      input: { orderId: 'join-1', cents: 7 },
      ...payer,
    });
    expect(await joined.getProposal(made.proposal!.id)).toEqual(made.proposal);
    expect(lockOf(dir)).toMatchObject({
      pid: process.pid,
      url: expect.stringMatching(/^postgres:/),
    });
  });

  it("createMissing: 'none' refuses a directory that holds no database and creates nothing", async () => {
    const dir = join(scratch, 'never-made');
    const error = await rejectionOf(embedded(dir, { createMissing: 'none' }));
    expect(error).toMatchObject({ code: 'database_missing' });
    expect((error as Error).message).toBe(
      `no embedded database in ${dir}; create it with countersign migrate`,
    );
    expect(existsSync(dir)).toBe(false);
  });

  // Each embedded start costs seconds of CPU: two at once are enough to show no lock is taken.
  it('memory:// needs no lock: two open at once', { timeout: 180_000 }, async () => {
    const many = await Promise.all([1, 2].map(() => embedded('memory://')));
    expect(many).toHaveLength(2);
  });
});

describe('a database that cannot be opened', () => {
  it('an unreachable server rejects with a DatabaseError (database_unreachable), not a driver error', async () => {
    const error = await rejectionOf(
      createGovernance({ tools: [], databaseUrl: 'postgres://postgres@127.0.0.1:9/none' }),
    );
    expect(isCountersignError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'DatabaseError', code: 'database_unreachable' });
    expect((error as Error).message).toBe(
      'cannot reach the database postgres://postgres@127.0.0.1:9/none: connect ECONNREFUSED 127.0.0.1:9',
    );
    const listed = await countersign([
      'lanes',
      'list',
      '--database-url',
      'postgres://127.0.0.1:9/x',
    ]);
    expect(listed).toMatchObject({ code: 1, stdout: '' });
    expect(listed.stderr).toBe(
      'database_unreachable: cannot reach the database postgres://127.0.0.1:9/x: connect ECONNREFUSED 127.0.0.1:9\n',
    );
  });
});
