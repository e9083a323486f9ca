import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/index.js';
import { crashTools } from './fixtures/crashTools.js';
import { runCrashChild } from './fixtures/runCrashChild.js';
import { openLane } from './support/lifecycle.js';
import { workerOptions } from './support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite } from './support/workerHarness.js';

const scenarios = [
  { point: 'before_enqueue', tool: 'once', end: 'executed', runs: 1 },
  { point: 'before_enqueue', tool: 'again', end: 'executed', runs: 1 },
  { point: 'during_run', tool: 'once', end: 'execution_failed', runs: 1 },
  { point: 'during_run', tool: 'again', end: 'executed', runs: 2 },
  { point: 'after_run', tool: 'once', end: 'execution_failed', runs: 1 },
  { point: 'after_run', tool: 'again', end: 'executed', runs: 2 },
] as const;

// A process SIGKILLed at each point where a lane's progress lives only in memory: after a
// restart every lane finishes, a non-idempotent tool never runs twice, an idempotent one
// completes (with the same idempotency key).
describe('a worker process killed with SIGKILL', () => {
  // The host, h.gov, proposes and decides; it never runs workers, so only the crash child
  // takes the lane.
  const h = useWorkerSuite({ tools: crashTools, startWorkers: false });

  it.each(scenarios.map((s) => [s.point, s.tool, s.end, s.runs] as const))(
    'killed %s, %s tool: after a restart the lane ends %s with %i run(s)',
    async (point, tool, end, runs) => {
      const tag = uniqueTag(`${point}-${tool}`);
      // before_enqueue: the child approves; otherwise the host approves and the child's
      // workers take the resume job.
      const { proposalId, laneId } =
        point === 'before_enqueue' ? await h.openLane(tool, tag) : await h.approvedLane(tool, tag);

      const child = await runCrashChild(h.url, point, laneId);

      expect(child.signal, child.output).toBe('SIGKILL');
      const crashed = await h.laneState(laneId);
      if (point === 'before_enqueue') {
        // The approval committed, its resume job was never stored.
        expect(crashed).toMatchObject({ status: 'approved', decided_by: 'reviewer-1' });
        const stored = await h.sql.query(
          `select 1 from countersign_jobs where data->>'laneId' = ?`,
          [laneId],
        );
        expect(stored).toEqual([]);
        expect(await h.runsOf(tag)).toEqual([]);
      } else {
        // The claim committed and the tool wrote its side effect; nothing after that.
        expect(crashed).toMatchObject({
          status: 'execution_pending',
          execution_state: 'running',
          attempt: 1,
        });
        expect(await h.runsOf(tag)).toHaveLength(1);
      }

      // A child that ran workers may have died holding the reconcile sweep's Agenda lock; the
      // restarted process waits for that short lock to lapse, as a real restart would.
      const restarted = await createGovernance(workerOptions(h.url, crashTools(h.sql)));
      try {
        await restarted.startWorkers();
        const lane = await h.waitForLane(laneId, undefined, 20_000);

        expect(lane.status).toBe(end);
        const rows = await h.runsOf(tag);
        expect(rows).toHaveLength(runs);
        expect(new Set(rows.map((r) => r.idem_key))).toEqual(new Set([`countersign:${laneId}`]));
        expect(rows.map((r) => r.attempt)).toEqual(rows.map((_, i) => i + 1));
        if (end === 'execution_failed') {
          expect(lane.failure).toMatchObject({ code: 'interrupted' });
          expect(lane.attempt).toBe(1);
        } else {
          expect(lane.failure).toBeNull();
          expect(lane.result).toEqual({ done: tag, attempt: runs });
        }
        const events = await h.laneEventTypes(laneId);
        expect(events.at(-1)).toBe(end);
        if (runs === 2) expect(events).toContain('execution_retry_scheduled');
        expect(await restarted.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
        await h.settleLaneJobs();
      } finally {
        await restarted.close();
      }
    },
  );

  // The sweep is one Agenda job shared by every process. A process killed while it holds that
  // job's lock must not stop expiries, lease settling and re-drives everywhere else.
  it('a process killed inside the reconcile sweep does not stop the sweep for the processes that remain', async () => {
    const victim = await h.openLane('once', uniqueTag('sweep-victim'), { ttlSeconds: 1 });

    const child = await runCrashChild(h.url, 'during_sweep', victim.laneId);

    expect(child.signal, child.output).toBe('SIGKILL');
    // The child died after the sweep committed this expiry, before the sweep finished.
    expect((await h.laneState(victim.laneId)).status).toBe('expired');
    const restarted = await createGovernance(workerOptions(h.url, crashTools(h.sql)));
    try {
      await restarted.startWorkers();
      const later = await openLane(restarted, 'once', uniqueTag('sweep-later'), { ttlSeconds: 1 });

      // Due one second from now; the sweep runs every 500 ms in the surviving process.
      const lane = await h.waitForLane(later.laneId, ['expired'], 20_000);

      expect(lane.status).toBe('expired');
    } finally {
      await restarted.close();
    }
  });
});
