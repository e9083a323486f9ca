import { describe, expect, it } from 'vitest';
import { isInvalidRequestError } from '../../src/index.js';
import { approver, proposer } from '../workers/support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite } from '../workers/support/workerHarness.js';

// No workers: lanes stay where the test leaves them.
const h = useWorkerSuite({ startWorkers: false });
const admin = { actorId: 'admin' };

describe('listCases', () => {
  it('lists cases newest first, in pages, by status, each with its open lanes', async () => {
    const policy = uniqueTag('listing');
    await h.gov.definePolicy(policy, {}, admin);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await h.gov.createCase({ policy, actorId: proposer });
      if (!created.ok) throw new Error(created.error);
      ids.push(created.case.id);
    }
    // Two open lanes in the newest case, one decided lane in the one before; one closed.
    for (const tag of ['a', 'b']) {
      const p = await h.gov.propose('ship', proposer, { input: { tag }, caseId: ids[4] });
      if (!p.ok) throw new Error(p.outcome);
      await h.gov.requestApproval(p.proposal.id);
    }
    const p = await h.gov.propose('ship', proposer, { input: { tag: 'c' }, caseId: ids[3] });
    if (!p.ok) throw new Error(p.outcome);
    const lane = await h.gov.requestApproval(p.proposal.id);
    if (!lane.ok) throw new Error(lane.error);
    await h.gov.reject(lane.approval.id, approver, { reason: 'no' });
    await h.gov.cancelCase(ids[0]!, { actorId: proposer, reason: 'done' });

    const first = await h.gov.listCases({ limit: 2 });
    expect(first.items.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    expect(first.items.map((c) => c.openLanes)).toEqual([2, 0]);
    const second = await h.gov.listCases({ limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    const third = await h.gov.listCases({ limit: 2, cursor: second.nextCursor! });
    expect(third.items.map((c) => c.id)).toEqual([ids[0]]);
    expect(third.nextCursor).toBeNull();
    expect(third.items[0]).toMatchObject({ status: 'cancelled', closed: { reason: 'done' } });

    const cancelled = await h.gov.listCases({ status: 'cancelled' });
    expect(cancelled.items.map((c) => c.id)).toEqual([ids[0]]);
    const open = await h.gov.listCases({ status: ['open'], limit: 200 });
    expect(open.items.map((c) => c.id)).not.toContain(ids[0]);
  });

  it('a malformed query or a forged cursor is an InvalidRequestError', async () => {
    for (const query of [{ limit: 0 }, { status: 'closed' }, { cursor: 'not-ours' }, { x: 1 }]) {
      const error = await h.gov.listCases(query as never).catch((e: unknown) => e);
      expect(isInvalidRequestError(error), JSON.stringify(query)).toBe(true);
    }
  });
});
