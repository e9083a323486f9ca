import { describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// alice proposes refunds and holds no approver role; bob holds it; dave is known, without it.
describe("the proposer's own rejection", () => {
  const h = useLaneHarness();

  it('withdraws the call at once without an approver role, recorded as her rejected decision', async () => {
    const { proposalId, laneId } = await h.openRefundLane();

    const withdrawn = expectOk(await h.gov.reject(laneId, 'alice', { reason: 'wrong order' }));
    expect(withdrawn).toMatchObject({ status: 'rejected', decidedBy: 'alice' });
    expect((await h.laneEvents(laneId)).at(-1)).toMatchObject({
      type: 'rejected',
      actor_id: 'alice',
      payload: { actorId: 'alice', kind: 'rejected', reason: 'wrong order' },
    });
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
    expect(await h.gov.approve(laneId, 'bob')).toMatchObject({ ok: false, error: 'not_pending' });
  });

  it('is only a rejection with a reason: her deferral, a blank reason and her approval are refused', async () => {
    const { laneId } = await h.openRefundLane();
    const before = await h.fingerprint();

    expect(await h.gov.defer(laneId, 'alice', { reason: 'later' })).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'missing_role',
    });
    expect(await h.gov.reject(laneId, 'alice', { reason: '  ' })).toMatchObject({
      ok: false,
      error: 'invalid_event',
    });
    expect(await h.gov.approve(laneId, 'alice')).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'four_eyes',
    });
    expect(await h.fingerprint()).toBe(before);
  });

  it("lends no one else the withdrawal: another agent's rejection still needs the role", async () => {
    const { laneId } = await h.openRefundLane();
    const before = await h.fingerprint();

    expect(await h.gov.reject(laneId, 'dave', { reason: 'not mine' })).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'missing_role',
    });
    // Another spelling is another person to the directory: not the proposer.
    expect(await h.gov.reject(laneId, 'Alice', { reason: 'spoofed' })).toMatchObject({
      ok: false,
      error: 'forbidden',
    });
    expect(await h.fingerprint()).toBe(before);
  });
});
