import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/index.js';
import { useWorkerSuite } from '../workers/support/workerHarness.js';
import {
  approver,
  proposer,
  sideEffectTools,
  workerOptions,
} from '../workers/support/sideEffectTools.js';
import { describeWithServer } from '../support/serverOnly.js';

/** Counts the hub's shared reads while `fn` runs. */
async function countingReads<T>(fn: () => Promise<T>): Promise<{ value: T; reads: number }> {
  let reads = 0;
  const onPoll = () => void (reads += 1);
  subscribe('countersign:outcome_poll', onPoll);
  try {
    return { value: await fn(), reads };
  } finally {
    unsubscribe('countersign:outcome_poll', onPoll);
  }
}

describe('awaitOutcome', () => {
  const h = useWorkerSuite();

  it('resolves once the approved call ran, with its result; a rejection with the reason', async () => {
    const ran = await h.openLane('ship', 'await-run');
    const waiting = h.gov.awaitOutcome(ran.proposalId);
    await h.gov.approve(ran.laneId, approver);
    const outcome = await waiting;
    expect(outcome).toMatchObject({
      settled: true,
      status: 'executed',
      proposal: { id: ran.proposalId },
      approval: {
        id: ran.laneId,
        status: 'executed',
        decidedBy: approver,
        result: { shipped: 'await-run' },
      },
      receipts: [],
    });

    const rejected = await h.openLane('ship', 'await-reject');
    const waitingReject = h.gov.awaitOutcome(rejected.proposalId);
    await h.gov.reject(rejected.laneId, approver, { reason: 'wrong address' });
    expect(await waitingReject).toMatchObject({
      settled: true,
      status: 'rejected',
      approval: { reason: 'wrong address', decidedBy: approver },
    });
    expect((await h.runsOf('await-reject')).length).toBe(0);
  });

  it('answers at once for a call already settled, a blocked proposal and an unknown one', async () => {
    const done = await h.openLane('ship', 'await-late');
    await h.gov.reject(done.laneId, approver, { reason: 'no' });
    expect(await h.gov.awaitOutcome(done.proposalId)).toMatchObject({
      settled: true,
      status: 'rejected',
    });
    const blocked = await h.gov.propose('ship', proposer, { input: { tag: '' } });
    expect(blocked.ok).toBe(false);
    expect(await h.gov.awaitOutcome(blocked.proposal!.id)).toMatchObject({
      settled: true,
      status: 'blocked',
      approval: null,
    });
    expect(await h.gov.awaitOutcome('00000000-0000-4000-8000-000000000000')).toEqual({
      settled: false,
      reason: 'not_found',
    });
  });

  it('a timeout or an aborted signal frees the waiter, with the call as it stands', async () => {
    const pending = await h.openLane('ship', 'await-stop');
    expect(await h.gov.awaitOutcome(pending.proposalId, { timeoutMs: 200 })).toMatchObject({
      settled: false,
      reason: 'timeout',
      approval: { id: pending.laneId, status: 'pending' },
    });
    const controller = new AbortController();
    const waiting = h.gov.awaitOutcome(pending.proposalId, { signal: controller.signal });
    controller.abort();
    expect(await waiting).toMatchObject({ settled: false, reason: 'aborted' });
    await expect(h.gov.awaitOutcome(pending.proposalId, { timeoutMs: -1 })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('1,000 concurrent waiters all resolve, served by shared reads, not one poll each', async () => {
    const lanes = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => h.openLane('ship', `await-many-${i}`)),
    );
    const { value: outcomes, reads } = await countingReads(async () => {
      const waiting = lanes.map((l) => h.gov.awaitOutcome(l.proposalId));
      for (let i = 0; i < lanes.length; i += 100) {
        await Promise.all(
          lanes.slice(i, i + 100).map((l) => h.gov.reject(l.laneId, approver, { reason: 'batch' })),
        );
      }
      return Promise.all(waiting);
    });
    expect(outcomes.every((o) => o.settled && o.status === 'rejected')).toBe(true);
    // One read serves every waiter; a poll per waiter would be at least 1,000.
    expect(reads).toBeLessThan(100);
  });
});

// Another process's commit wakes the waiter: the poll is an hour, so only NOTIFY can.
describeWithServer('awaitOutcome across processes', () => {
  const h = useWorkerSuite({
    startWorkers: false,
    overrides: { outcomePollIntervalMs: 3_600_000 },
  });

  it('a decision committed by another governance wakes the waiter through NOTIFY', async () => {
    const other = await createGovernance(
      workerOptions(h.url, sideEffectTools(h.sql), { enqueue: () => {} }),
    );
    try {
      const lane = await h.openLane('ship', 'await-notify');
      const { value: outcome, reads } = await countingReads(async () => {
        const waiting = h.gov.awaitOutcome(lane.proposalId);
        await new Promise((r) => setTimeout(r, 200));
        await other.reject(lane.laneId, approver, { reason: 'from elsewhere' });
        return waiting;
      });
      expect(outcome).toMatchObject({
        settled: true,
        status: 'rejected',
        approval: { reason: 'from elsewhere' },
      });
      expect(reads).toBe(2);
    } finally {
      await other.close();
    }
  });
});
