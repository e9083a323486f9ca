import { describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// Without resolveActor nobody's roles are known, so none may be required (configuring roles
// without it fails at start, see identity.test); four-eyes still holds.
describe('decisions without resolveActor', () => {
  const h = useLaneHarness({
    resolveActor: undefined,
    approverRoles: undefined,
    expireRole: undefined,
  });

  it('lets any actor other than the proposer approve', async () => {
    const { laneId } = await h.openRefundLane();
    const approval = expectOk(await h.gov.approve(laneId, 'dave'));
    expect(approval).toMatchObject({ status: 'approved', decidedBy: 'dave', version: 2 });
  });

  it('lets an actor no directory knows reject', async () => {
    const { laneId } = await h.openRefundLane();
    const approval = expectOk(await h.gov.reject(laneId, 'mallory', { reason: 'fraud' }));
    expect(approval).toMatchObject({ status: 'rejected', decidedBy: 'mallory' });
  });

  it('still refuses the proposer approving their own proposal, writing nothing', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    const before = await h.fingerprint();
    const result = await h.gov.approve(laneId, 'alice');
    expect(result).toMatchObject({ ok: false, error: 'forbidden', reason: 'four_eyes' });
    expect(await h.fingerprint()).toBe(before);
    expect(await h.laneRow(laneId)).toMatchObject({ status: 'pending', version: 1 });
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
  });
});
