import { describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// The deadline holds even when the expiry job has not run: the runtime stamps each event
// with its clock and the machine compares it with expires_at.
describe('decisions after expires_at', () => {
  let now = new Date('2031-01-10T12:00:00.000Z');
  const h = useLaneHarness({ clock: () => now });

  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };

  it('refuses approve, reject and defer with expired once the deadline has passed', async () => {
    const { proposalId, laneId } = await h.openRefundLane({ ttlSeconds: 60 });
    advance(61);
    const before = await h.fingerprint();

    expect(await h.gov.approve(laneId, 'bob')).toMatchObject({ ok: false, error: 'expired' });
    expect(await h.gov.reject(laneId, 'bob', { reason: 'too late' })).toMatchObject({
      ok: false,
      error: 'expired',
    });
    expect(await h.gov.defer(laneId, 'bob', { reason: 'too late' })).toMatchObject({
      ok: false,
      error: 'expired',
    });

    expect(await h.fingerprint()).toBe(before);
    expect(await h.laneRow(laneId)).toMatchObject({ status: 'pending', version: 1 });
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
  });

  it('still lets the expiry (job or admin) expire the lane afterwards', async () => {
    const { laneId } = await h.openRefundLane({ ttlSeconds: 60 });
    advance(3_600);
    expect(await h.gov.approve(laneId, 'carol')).toMatchObject({ ok: false, error: 'expired' });
    const approval = expectOk(await h.gov.expire(laneId, { actorId: 'admin' }));
    expect(approval).toMatchObject({ status: 'expired', version: 2, decidedBy: 'admin' });
  });

  it('accepts a decision made before the deadline', async () => {
    const { laneId } = await h.openRefundLane({ ttlSeconds: 60 });
    advance(59);
    expect(expectOk(await h.gov.approve(laneId, 'bob')).status).toBe('approved');
  });
});
