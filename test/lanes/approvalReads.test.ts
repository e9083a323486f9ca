import { describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// getActiveApproval: the pending lane or null. getLatestApproval: the last lane touched.
describe('approval reads', () => {
  let now = new Date('2031-02-01T08:00:00.000Z');
  // Each operation a second after the previous, so "most recently updated" is unambiguous.
  const h = useLaneHarness({
    clock: () => {
      now = new Date(now.getTime() + 1_000);
      return now;
    },
  });

  it('return null for a proposal without lanes and for unknown or malformed ids', async () => {
    const proposalId = await h.proposeRefund();
    for (const id of [proposalId, '3d6f0a52-9a0b-4d8c-b7e1-5c2f4e3a1b00', 'not-a-uuid']) {
      expect(await h.gov.getActiveApproval(id)).toBeNull();
      expect(await h.gov.getLatestApproval(id)).toBeNull();
    }
  });

  it('follow a proposal through a rejected lane and a second, approved one', async () => {
    const proposalId = await h.proposeRefund();
    const first = expectOk(await h.gov.requestApproval(proposalId));

    expect(await h.gov.getActiveApproval(proposalId)).toMatchObject({
      id: first.id,
      status: 'pending',
      version: 1,
    });
    expect(await h.gov.getLatestApproval(proposalId)).toMatchObject({ id: first.id });

    expectOk(await h.gov.reject(first.id, 'bob', { reason: 'wrong order' }));
    expect(await h.gov.getActiveApproval(proposalId)).toBeNull();
    expect(await h.gov.getLatestApproval(proposalId)).toMatchObject({
      id: first.id,
      status: 'rejected',
      version: 2,
      reason: 'wrong order',
    });

    const second = expectOk(await h.gov.requestApproval(proposalId));
    expect(second.id).not.toBe(first.id);
    expect(await h.gov.getActiveApproval(proposalId)).toMatchObject({ id: second.id });
    expect(await h.gov.getLatestApproval(proposalId)).toMatchObject({
      id: second.id,
      status: 'pending',
    });

    expectOk(await h.gov.approve(second.id, 'carol'));
    expect(await h.gov.getActiveApproval(proposalId)).toBeNull();
    expect(await h.gov.getLatestApproval(proposalId)).toMatchObject({
      id: second.id,
      status: 'approved',
      decidedBy: 'carol',
    });
  });

  it("only reads a proposal's own lanes", async () => {
    const mine = await h.proposeRefund();
    const other = await h.proposeRefund();
    const lane = expectOk(await h.gov.requestApproval(other));
    expect(await h.gov.getActiveApproval(mine)).toBeNull();
    expect(await h.gov.getLatestApproval(mine)).toBeNull();
    expect(await h.gov.getActiveApproval(other)).toMatchObject({ id: lane.id });
  });
});
