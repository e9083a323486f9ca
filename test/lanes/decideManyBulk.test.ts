import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import type { LaneJobRequest } from '../../src/index.js';
import { approver } from '../workers/support/sideEffectTools.js';
import { useWorkerSuite, waitFor } from '../workers/support/workerHarness.js';
import type { WorkerSuite } from '../workers/support/workerHarness.js';
import { describeWithServer } from '../support/serverOnly.js';

// decideMany answers once its batch is committed; the lanes' jobs follow behind the answer,
// handed on all at once, and a job that cannot be stored is the reconciler's to re-drive.

const openLanes = (h: WorkerSuite, n: number, tag: string) =>
  Promise.all(Array.from({ length: n }, (_, i) => h.openLane('ship', `${tag}-${i}`)));
const approveAll = (lanes: { laneId: string }[]) =>
  lanes.map(({ laneId }) => ({ laneId, event: { type: 'APPROVE' as const } }));

/** Waits until every lane is `executed`, each of them run exactly once. */
async function expectAllExecuted(h: WorkerSuite, lanes: { laneId: string }[], tag: string) {
  const ids = lanes.map((l) => l.laneId).join(',');
  await waitFor(
    `${lanes.length} lanes executed`,
    async () => {
      const [row] = await h.sql.query<{ executed: number }>(
        `select count(*)::int as executed from tool_approvals
          where id::text = any(string_to_array(?, ',')) and status = 'executed'`,
        [ids],
      );
      return row!.executed;
    },
    (executed) => executed === lanes.length,
    60_000,
  );
  const [runs] = await h.sql.query<{ runs: number; tags: number }>(
    `select count(*)::int as runs, count(distinct idem_key)::int as tags
       from side_effects where tag like ?`,
    [`${tag}-%`],
  );
  expect(runs).toEqual({ runs: lanes.length, tags: lanes.length });
}

describe('decideMany hands its jobs on behind the answer', () => {
  const h = useWorkerSuite({ startWorkers: false });

  it('answers once committed, before any job is stored, having handed every job on at once', async () => {
    const lanes = await openLanes(h, 300, 'bulk-answer');
    const handed: LaneJobRequest[] = [];
    let stored = 0;
    // Each job is stored a turn of the event loop after it is handed on.
    const enqueue = (job: LaneJobRequest) => {
      handed.push(job);
      return new Promise<void>((resolve) => setImmediate(() => resolve(void (stored += 1))));
    };
    const result = await h.gov.decideMany(approveAll(lanes), approver, { enqueue });
    const atAnswer = { handed: handed.length, stored };
    expect(result).toMatchObject({ ok: true, approvals: expect.any(Array) });
    expect(atAnswer).toEqual({ handed: 300, stored: 0 });
    expect(new Set(handed.map((j) => j.laneId))).toEqual(new Set(lanes.map((l) => l.laneId)));
    expect(new Set(handed.map((j) => j.name))).toEqual(new Set(['countersign:approval-resume']));
    await waitFor(
      'every job stored',
      () => stored,
      (n) => n === 300,
    );
  });

  it('reports each job that cannot be handed on, and still answers ok', async () => {
    const lanes = await openLanes(h, 20, 'bulk-fail');
    const failed: string[] = [];
    const onFailed = (message: unknown) => void failed.push((message as LaneJobRequest).laneId);
    subscribe('countersign:enqueue_failed', onFailed);
    try {
      let n = 0;
      // Every other job fails, half of them by throwing before any promise exists.
      const enqueue = (job: LaneJobRequest): Promise<void> => {
        n += 1;
        if (n % 4 === 1) throw new Error(`queue down for ${job.laneId}`);
        if (n % 4 === 3) return Promise.reject(new Error(`queue refused ${job.laneId}`));
        return Promise.resolve();
      };
      const result = await h.gov.decideMany(approveAll(lanes), approver, { enqueue });
      expect(result.ok).toBe(true);
      await waitFor(
        'ten failures reported',
        () => failed.length,
        (count) => count === 10,
      );
      expect(failed.every((id) => lanes.some((l) => l.laneId === id))).toBe(true);
    } finally {
      unsubscribe('countersign:enqueue_failed', onFailed);
    }
  });
});

// Server only: PGlite's socket queues each protocol message of a client as it arrives, so a
// batch statement too large for one socket read can interleave with the workers' statements.
describeWithServer('decideMany with workers running', () => {
  const h = useWorkerSuite();

  it('every lane of a batch of 300 approvals then reaches executed, run once', async () => {
    const lanes = await openLanes(h, 300, 'bulk-run');
    const result = await h.gov.decideMany(approveAll(lanes), approver);
    expect(result.ok).toBe(true);
    await expectAllExecuted(h, lanes, 'bulk-run');
  });

  it('lanes whose jobs were never stored are re-driven by the reconciler and run once', async () => {
    const lanes = await openLanes(h, 30, 'bulk-lost');
    const enqueue = () => Promise.reject(new Error('the queue is down'));
    const result = await h.gov.decideMany(approveAll(lanes), approver, { enqueue });
    expect(result.ok).toBe(true);
    await expectAllExecuted(h, lanes, 'bulk-lost');
    await h.settleLaneJobs();
  });
});
