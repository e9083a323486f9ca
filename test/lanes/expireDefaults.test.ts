import { describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

describe('expire without an actor, where no expireRole is configured', () => {
  // The suite's directory and approver roles, without an expiry role.
  const h = useLaneHarness({ expireRole: undefined });

  it('expires the lane as system, recorded as system, with a trail that verifies', async () => {
    const { proposalId, laneId } = await h.openRefundLane();

    const expired = expectOk(await h.gov.expire(laneId));
    expect(expired).toMatchObject({ status: 'expired', decidedBy: 'system' });
    expect((await h.laneRow(laneId)).decided_by).toBe('system');
    expect((await h.laneEvents(laneId)).at(-1)).toMatchObject({
      type: 'expired',
      actor_id: 'system',
    });
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
    expect(await h.gov.expire(laneId)).toMatchObject({ ok: false, error: 'not_pending' });
  });

  it('still refuses what is not an expiry: an unknown field, a reserved actor, no lane', async () => {
    const { laneId } = await h.openRefundLane();
    const before = await h.fingerprint();

    expect(await h.gov.expire(laneId, { reason: 'tidy up' } as never)).toMatchObject({
      ok: false,
      error: 'invalid_event',
    });
    expect(await h.gov.expire(laneId, { actorId: 'system' })).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'reserved_actor',
    });
    expect(await h.gov.expire('3d6f0a52-9a0b-4d8c-b7e1-5c2f4e3a1b00')).toMatchObject({
      ok: false,
      error: 'not_found',
    });
    expect(await h.fingerprint()).toBe(before);
  });
});

describe('expire without an actor, where an expireRole is configured', () => {
  const h = useLaneHarness({ expireRole: 'lane-admin' });

  it('is forbidden and writes nothing; an actor holding the role expires the lane', async () => {
    const { laneId } = await h.openRefundLane();
    const before = await h.fingerprint();

    expect(await h.gov.expire(laneId)).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'missing_role',
    });
    expect(await h.gov.expire(laneId, { actorId: undefined })).toMatchObject({
      ok: false,
      error: 'forbidden',
    });
    expect(await h.fingerprint()).toBe(before);
    expect(expectOk(await h.gov.expire(laneId, { actorId: 'admin' }))).toMatchObject({
      status: 'expired',
      decidedBy: 'admin',
    });
  });
});
