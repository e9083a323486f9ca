import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, proposeRefund, startHarness } from './support/laneHarness.js';
import type { LaneHarness } from './support/laneHarness.js';

// Two lane writes can share a millisecond (fast hosts, or a host clock held still in tests).
// "Most recently updated" must still mean the lane written last.
describe('getLatestApproval when lane writes share a timestamp', () => {
  const now = new Date('2031-02-01T08:00:00.000Z');
  let h: LaneHarness;
  beforeAll(async () => {
    h = await startHarness({ clock: () => now });
  });
  afterAll(async () => {
    await h.close();
  });

  it('returns the lane opened after a rejection, not the rejected one', async () => {
    const proposalId = await proposeRefund(h.gov);
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
