import { describe, expect, it } from 'vitest';
import { createGovernance, isDatabaseError } from '../../src/index.js';
import type { Governance } from '../../src/index.js';
import { useWorkerSuite } from '../workers/support/workerHarness.js';
import { approver, sideEffectTools, workerOptions } from '../workers/support/sideEffectTools.js';
import { rejectionOf } from '../proposals/fixtures.js';

// Waiters of one governance share its reads: what one waiter asks for must never keep the
// others from being answered, and a governance that closes answers them all.
const h = useWorkerSuite({ startWorkers: false });
let n = 0;

/** A proposal whose lane was rejected: any waiter of it is answered by its first read. */
async function rejectedCall(): Promise<string> {
  const lane = await h.openLane('ship', `waiters-${(n += 1)}`);
  await h.gov.reject(lane.laneId, approver, { reason: 'settled before the wait' });
  return lane.proposalId;
}

/** A second governance on the suite's database (no workers, no job queue). */
const otherGovernance = (): Promise<Governance> =>
  createGovernance(workerOptions(h.url, sideEffectTools(h.sql), { enqueue: () => {} }));

describe('a malformed proposal id', () => {
  it.each([['not-a-uuid'], [''], ['00000000-0000-4000-8000-00000000000g'], ['x'.repeat(300)]])(
    'is not_found at once: %s',
    async (id) => {
      expect(await h.gov.awaitOutcome(id)).toEqual({ settled: false, reason: 'not_found' });
    },
  );

  it('is not_found at once when it is not even a string', async () => {
    expect(await h.gov.awaitOutcome(42 as never)).toEqual({ settled: false, reason: 'not_found' });
  });

  it('never keeps the waiters read with it from being answered', async () => {
    const pending = await h.openLane('ship', `waiters-pending-${(n += 1)}`);
    const settled = await Promise.all([rejectedCall(), rejectedCall(), rejectedCall()]);
    // The first waiter keeps the shared read busy, so the ones registered meanwhile (malformed
    // and well-formed alike) are read together in the next one.
    const busy = h.gov.awaitOutcome(pending.proposalId);
    const malformed = h.gov.awaitOutcome('not-a-uuid');
    const wellFormed = settled.map((id) => h.gov.awaitOutcome(id, { timeoutMs: 10_000 }));
    const alsoMalformed = h.gov.awaitOutcome('also not a uuid');
    for (const outcome of await Promise.all(wellFormed)) {
      expect(outcome).toMatchObject({ settled: true, status: 'rejected' });
    }
    expect(await malformed).toEqual({ settled: false, reason: 'not_found' });
    expect(await alsoMalformed).toEqual({ settled: false, reason: 'not_found' });
    await h.gov.reject(pending.laneId, approver, { reason: 'done' });
    expect(await busy).toMatchObject({ settled: true, status: 'rejected' });
  });
});

describe('a shared read that fails', () => {
  it('answers each of its waiters with a DatabaseError instead of waiting on', async () => {
    const pending = [
      await h.openLane('ship', `waiters-fail-${(n += 1)}`),
      await h.openLane('ship', `waiters-fail-${(n += 1)}`),
    ];
    // A governance whose connections have never read outcomes, so the missing table is seen.
    const other = await otherGovernance();
    await h.sql.query('alter table tool_proposals rename to tool_proposals_hidden');
    try {
      const errors = await Promise.all(
        pending.map((p) => rejectionOf(other.awaitOutcome(p.proposalId, { timeoutMs: 20_000 }))),
      );
      for (const error of errors) {
        expect(isDatabaseError(error)).toBe(true);
        // The shared read's own failure, not a later read after the wait timed out.
        expect(error).toMatchObject({ code: 'database', operation: 'awaitOutcome' });
      }
    } finally {
      await h.sql.query('alter table tool_proposals_hidden rename to tool_proposals');
      await other.close();
    }
  });
});

describe('closing the governance', () => {
  it('settles a pending waiter without a timeout as closed, and any later one', async () => {
    const pending = await h.openLane('ship', `waiters-close-${(n += 1)}`);
    const other = await otherGovernance();
    const waiting = other.awaitOutcome(pending.proposalId);
    const aborting = new AbortController();
    const withSignal = other.awaitOutcome(pending.proposalId, { signal: aborting.signal });
    await other.close();
    expect(await waiting).toEqual({ settled: false, reason: 'closed' });
    expect(await withSignal).toEqual({ settled: false, reason: 'closed' });
    expect(await other.awaitOutcome(pending.proposalId)).toEqual({
      settled: false,
      reason: 'closed',
    });
    // The call itself is untouched: it is still pending for this governance.
    expect(await h.gov.getApproval(pending.laneId)).toMatchObject({ status: 'pending' });
  }, 20_000);
});
