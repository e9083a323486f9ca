import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// A proposal's lanes share its one hash chain, so the whole history verifies as one.
describe('audit chain across lanes', () => {
  const h = useLaneHarness();
  let proposalId: string;
  let firstLane: string;
  let secondLane: string;
  beforeAll(async () => {
    proposalId = await h.proposeRefund();
    firstLane = expectOk(await h.gov.requestApproval(proposalId)).id;
    expectOk(await h.gov.reject(firstLane, 'bob', { reason: 'amount looks off' }));
    secondLane = expectOk(await h.gov.requestApproval(proposalId, { actorId: 'alice' })).id;
    expectOk(await h.gov.approve(secondLane, 'carol', { note: 'corrected' }));
  });

  it('lists seq 1..n in order, each event linked to its lane', async () => {
    const events = await h.gov.listEvents(proposalId);
    expect(events.map((e) => [e.seq, e.type, e.approvalId])).toEqual([
      [1, 'proposal_created', null],
      [2, 'approval_requested', firstLane],
      [3, 'rejected', firstLane],
      [4, 'approval_requested', secondLane],
      [5, 'approved', secondLane],
    ]);
    for (let i = 1; i < events.length; i += 1) {
      expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    }
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 5 });
  });

  it('reports an edited lane event payload as edited, naming that event', async () => {
    const events = await h.gov.listEvents(proposalId);
    const rejected = events.find((e) => e.type === 'rejected')!;
    await h.sql.query(
      `update tool_action_events
          set payload = jsonb_set(payload, '{reason}', '"nothing wrong"')
        where id = ?`,
      [rejected.id],
    );
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 3,
      eventId: rejected.id,
    });
  });
});
