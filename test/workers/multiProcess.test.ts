import { afterAll, beforeAll, expect, it } from 'vitest';
import { stampTool } from './support/sideEffectTools.js';
import { useWorkerSuite, waitFor } from './support/workerHarness.js';
import { startWorkerProcess } from './support/workerProcess.js';
import type { WorkerProcess } from './support/workerProcess.js';
import { describeWithServer } from '../support/serverOnly.js';

const LIFECYCLES = 1_000;
const WORKERS = 3;

/** Runs `fn` over `items`, `width` at a time. */
async function inParallel<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

// Agenda's locking plus each lane's optimistic concurrency keep every step single, however
// many processes (and re-driven duplicate jobs) compete for it.
describeWithServer('three worker processes on one database', () => {
  // The host, h.gov, proposes, requests and approves; it runs no workers itself.
  const h = useWorkerSuite({ tools: (sql) => [stampTool(sql)], startWorkers: false });
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    // After h.gov is created, so the schema and the job table exist before the workers start;
    // one at a time, since Agenda's backend re-runs its schema statements on connect, and
    // PostgreSQL refuses some of them run concurrently ("tuple concurrently updated").
    for (let i = 0; i < WORKERS; i += 1) workers.push(await startWorkerProcess(h.url));
  });
  /** SIGTERM to every worker, then their exits (SIGKILL for one that hangs). */
  async function stopWorkers() {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    return Promise.all(
      workers.map(async (w) => {
        const guard = setTimeout(() => w.child.kill('SIGKILL'), 15_000);
        const exit = await w.exited;
        clearTimeout(guard);
        return exit;
      }),
    );
  }
  afterAll(async () => {
    await stopWorkers();
  });

  it(`take ${LIFECYCLES} lifecycles: every tool ran exactly once`, async () => {
    const tags = Array.from({ length: LIFECYCLES }, (_, i) => `life-${i}`);

    const lanes = await inParallel(tags, 8, (tag) => h.approvedLane('stamp', tag));
    await waitFor(
      `all ${LIFECYCLES} lanes to execute`,
      () =>
        h.sql.query<{ status: string; n: number }>(
          `select status, count(*)::int as n from tool_approvals group by status`,
        ),
      (rows) => rows.length === 1 && rows[0]!.status === 'executed',
      45_000,
    );
    await h.settleLaneJobs(workers.map((w) => `countersign-${w.pid}`));

    const [counts] = await h.sql.query<{ rows: number; tags: number; keys: number; extra: number }>(
      `select count(*)::int as rows, count(distinct tag)::int as tags,
              count(distinct idem_key)::int as keys,
              count(*) filter (where attempt <> 1)::int as extra
         from side_effects`,
    );
    expect(counts).toEqual({ rows: LIFECYCLES, tags: LIFECYCLES, keys: LIFECYCLES, extra: 0 });
    const [lanesDone] = await h.sql.query<{ executed: number }>(
      `select count(*) filter (where status = 'executed' and attempt = 1)::int as executed
         from tool_approvals`,
    );
    expect(lanesDone!.executed).toBe(LIFECYCLES);
    // Each side effect carries its own lane's key.
    const mismatched = await h.sql.query(
      `select s.tag from side_effects s
         join tool_proposals p on p.input_snapshot->>'tag' = s.tag
         join tool_approvals a on a.proposal_id = p.id
        where s.idem_key <> 'countersign:' || a.id::text`,
    );
    expect(mismatched).toEqual([]);
    // Only the worker processes ran tools (how the work fell among them is Agenda's business,
    // and not asserted: a fast worker may take it all).
    const pids = (await h.sql.query<{ pid: number }>(`select distinct pid from side_effects`)).map(
      (r) => r.pid,
    );
    const workerPids = workers.map((w) => w.pid);
    expect(
      pids.every((pid) => workerPids.includes(pid)),
      `ran in ${pids}`,
    ).toBe(true);
    const failedJobs = await h.sql.query(
      `select name, fail_reason from countersign_jobs where failed_at is not null`,
    );
    expect(failedJobs).toEqual([]);
    for (const { proposalId } of lanes.filter((_, i) => i % 50 === 0)) {
      expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 6 });
    }
  });

  it('the workers stop gracefully on SIGTERM', async () => {
    const exits = await stopWorkers();

    expect(exits, workers.map((w) => w.output()).join('\n')).toEqual(
      workers.map(() => ({ code: 0, signal: null })),
    );
  });
});
