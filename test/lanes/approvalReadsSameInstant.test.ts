import { describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// Two lane writes can share a millisecond (fast hosts, or a host clock held still in tests).
// "Most recently updated" must still mean the lane written last.
describe('getLatestApproval when lane writes share a timestamp', () => {
  const now = new Date('2031-02-01T08:00:00.000Z');
  const h = useLaneHarness({ clock: () => now });

  it('returns the lane opened after a rejection, not the rejected one', async () => {
    const proposalId = await h.proposeRefund();
    const first = expectOk(await h.gov.requestApproval(proposalId));
    expectOk(await h.gov.reject(first.id, 'bob', { reason: 'wrong order' }));
    const second = expectOk(await h.gov.requestApproval(proposalId));

    expect(await h.gov.getActiveApproval(proposalId)).toMatchObject({ id: second.id });
    expect(await h.gov.getLatestApproval(proposalId)).toMatchObject({
      id: second.id,
      status: 'pending',
    });
  });
});
