import { describe, expect, it } from 'vitest';
import { proposer } from '../workers/support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite } from '../workers/support/workerHarness.js';
import { decisionOverrides, decisionTools } from './support/decisionTools.js';

const h = useWorkerSuite({ tools: decisionTools, overrides: decisionOverrides });

async function openWire(tag = uniqueTag('wire')) {
  const proposed = await h.gov.propose('wire', proposer, {
    input: { tag, account: 'acme', cents: 100 },
  });
  if (!proposed.ok) throw new Error(JSON.stringify(proposed));
  const opened = await h.gov.requestApproval(proposed.proposal.id);
  if (!opened.ok) throw new Error(JSON.stringify(opened));
  return { tag, proposalId: proposed.proposal.id, laneId: opened.approval.id };
}

describe('a 2-of-3 quorum with the proposer among the candidates', () => {
  it("refuses the proposer, counts a repeated approver once, and shows '1 of 2'", async () => {
    const lane = await openWire();
    expect(await h.gov.approve(lane.laneId, proposer)).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'four_eyes',
    });
    const first = await h.gov.approve(lane.laneId, 'reviewer-1', { note: 'looks right' });
    expect(first).toMatchObject({
      ok: true,
      approval: { status: 'pending', quorum: { count: 2, approvals: 1 } },
    });
    const before = await h.fingerprint();
    expect(await h.gov.approve(lane.laneId, 'reviewer-1')).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'already_decided',
    });
    expect(await h.fingerprint()).toBe(before);
    expect(await h.gov.approve(lane.laneId, 'outsider')).toMatchObject({
      ok: false,
      reason: 'missing_role',
    });

    const inbox = await h.gov.listApprovals({ tool: 'wire' });
    const listed = inbox.items.find((i) => i.approval.id === lane.laneId);
    expect(listed?.approval.quorum).toEqual({
      count: 2,
      roles: null,
      approvals: 1,
      approverIds: ['reviewer-1'],
      rejections: 0,
    });

    const second = await h.gov.approve(lane.laneId, 'reviewer-2');
    expect(second).toMatchObject({ ok: true, approval: { status: 'approved' } });
    await h.waitForLane(lane.laneId, ['executed']);
    expect(await h.runsOf(lane.tag)).toHaveLength(1);
    expect(await h.laneEventTypes(lane.laneId)).toEqual([
      'approval_requested',
      'approval_recorded',
      'approved',
      'execution_enqueued',
      'execution_started',
      'executed',
    ]);
    const approved = (await h.gov.listEvents(lane.proposalId)).find((e) => e.type === 'approved');
    expect(approved?.payload).toMatchObject({ approvers: ['reviewer-1', 'reviewer-2'] });
    expect(await h.gov.verifyAuditTrail(lane.proposalId)).toMatchObject({ ok: true });
  });

  it("a case's approval point asks for a quorum the tool does not", async () => {
    const policy = uniqueTag('quorum-point');
    const point = { tool: 'transfer', approvals: { count: 2, roles: ['payments'] } };
    await h.gov.definePolicy(policy, { approvalPoints: [point] }, { actorId: 'admin' });
    const kase = await h.gov.createCase({ policy, actorId: proposer });
    if (!kase.ok) throw new Error(JSON.stringify(kase));
    const proposed = await h.gov.propose('transfer', proposer, {
      input: { tag: uniqueTag('point'), account: 'acme', cents: 100 },
      caseId: kase.case.id,
    });
    if (!proposed.ok) throw new Error(JSON.stringify(proposed));
    const opened = await h.gov.requestApproval(proposed.proposal.id);
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    expect(opened.approval.quorum).toMatchObject({ count: 2, roles: ['payments'], approvals: 0 });
    const first = await h.gov.approve(opened.approval.id, 'reviewer-1');
    expect(first).toMatchObject({ ok: true, approval: { status: 'pending' } });
    const second = await h.gov.approve(opened.approval.id, 'reviewer-2');
    expect(second).toMatchObject({ ok: true, approval: { status: 'approved' } });
  });

  it('votes forged into the row count for nothing: the worker replays the chain', async () => {
    const lane = await openWire();
    // Someone with database access adds a second approver the chain never saw...
    const forged = { actorId: 'reviewer-9', at: new Date().toISOString(), note: null };
    await h.sql.query(
      `update tool_approvals set snapshot = jsonb_set(snapshot, '{context,approvals}',
         jsonb_build_array(jsonb_build_object('inputHash', input_hash) || ?::jsonb)) where id = ?`,
      [JSON.stringify(forged), lane.laneId],
    );
    // ...so one real approval completes the quorum the row holds, and the lane is approved.
    expect(await h.gov.approve(lane.laneId, 'reviewer-1')).toMatchObject({
      ok: true,
      approval: { status: 'approved' },
    });
    // The chain holds one approval: the workers write nothing and hold the lane back.
    await h.waitHeldBack(lane.laneId);
    expect((await h.laneState(lane.laneId)).status).toBe('approved');
    expect(await h.runsOf(lane.tag)).toEqual([]);
    expect(await h.gov.verifyAuditTrail(lane.proposalId)).toMatchObject({ ok: false });
  });

  it('a forged approved row with too few approvers does not run', async () => {
    const lane = await openWire();
    await h.gov.approve(lane.laneId, 'reviewer-1');
    // Someone with database access marks the lane approved without a second approver.
    await h.sql.query(
      `update tool_approvals set status = 'approved',
         snapshot = jsonb_set(snapshot, '{value}', '"approved"') where id = ?`,
      [lane.laneId],
    );
    await h.gov.executeApproved(lane.laneId);
    await h.waitHeldBack(lane.laneId);
    expect(await h.runsOf(lane.tag)).toEqual([]);
  });

  it('200 lanes, each hit by 3 concurrent approvals and 1 rejection, end consistent', async () => {
    const lanes = await Promise.all(Array.from({ length: 200 }, () => openWire()));
    await Promise.all(
      lanes.flatMap((lane, i) => {
        const calls = [
          () => h.gov.approve(lane.laneId, 'reviewer-1'),
          () => h.gov.approve(lane.laneId, 'reviewer-2'),
          () => h.gov.approve(lane.laneId, 'reviewer-3'),
        ];
        calls.splice(i % 4, 0, () => h.gov.reject(lane.laneId, 'reviewer-4', { reason: 'no' }));
        return calls.map((call) => call());
      }),
    );
    const rows = await h.sql.query<{
      id: string;
      status: string;
      decisions: number;
      recorded: number;
      approvers: string[] | null;
    }>(
      `select a.id, a.status,
              count(*) filter (where e.type in ('approved', 'rejected'))::int as decisions,
              count(*) filter (where e.type = 'approval_recorded')::int as recorded,
              (array_agg(e.payload->'approvers') filter (where e.type = 'approved'))[1] as approvers
         from tool_approvals a join tool_action_events e on e.approval_id = a.id
        where a.id::text = any(string_to_array(?, ','))
        group by a.id, a.status`,
      [lanes.map((l) => l.laneId).join(',')],
    );
    expect(rows).toHaveLength(200);
    for (const row of rows) {
      expect(row.decisions, row.id).toBe(1);
      if (row.status === 'rejected') {
        expect(row.recorded).toBeLessThanOrEqual(1);
        continue;
      }
      // Approved: exactly two distinct approvers, the first recorded, neither the proposer.
      expect(row.recorded).toBe(1);
      expect(new Set(row.approvers).size).toBe(2);
      expect(row.approvers).not.toContain(proposer);
    }
    const approved = rows.filter((r) => r.status !== 'rejected');
    // The rejection was sent first, second, third or last: both outcomes occur.
    expect(approved.length).toBeGreaterThan(0);
    expect(approved.length).toBeLessThan(200);
    for (const row of approved) await h.waitForLane(row.id, ['executed']);
    const runs = await h.sql.query<{ n: number; tags: number }>(
      `select count(*)::int as n, count(distinct tag)::int as tags from side_effects
        where tag = any(string_to_array(?, ','))`,
      [lanes.map((l) => l.tag).join(',')],
    );
    expect(runs[0]).toEqual({ n: approved.length, tags: approved.length });
    for (const lane of lanes.slice(0, 20))
      expect(await h.gov.verifyAuditTrail(lane.proposalId)).toMatchObject({ ok: true });
  });
});
