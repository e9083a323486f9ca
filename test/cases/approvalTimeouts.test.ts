import { describe, expect, it } from 'vitest';
import type { PolicyBody } from '../../src/index.js';
import { proposer } from '../workers/support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite, waitFor } from '../workers/support/workerHarness.js';

// Approval-timeout actions and case deadlines, end to end through the real workers: the
// reconcile sweep (every 500 ms here) finds each lane's deadline and applies the policy.
const h = useWorkerSuite();
const admin = { actorId: 'admin' };
let n = 0;

async function pendingInCase(timeouts: PolicyBody['timeouts'], extra: PolicyBody = {}) {
  const policy = `timeouts-${(n += 1)}`;
  await h.gov.definePolicy(policy, { ...extra, timeouts }, admin);
  const created = await h.gov.createCase({ policy, actorId: proposer });
  if (!created.ok) throw new Error(created.error);
  const caseId = created.case.id;
  const tag = uniqueTag(policy);
  const proposed = await h.gov.propose('ship', proposer, { input: { tag }, caseId });
  if (!proposed.ok) throw new Error(proposed.outcome);
  const lane = await h.gov.requestApproval(proposed.proposal.id);
  if (!lane.ok) throw new Error(lane.error);
  return { caseId, tag, proposalId: proposed.proposal.id, laneId: lane.approval.id };
}

type LaneRow = { status: string; decided_by: string | null; depth: number };
const lanesOf = (proposalId: string) =>
  h.sql.query<LaneRow>(
    `select status, decided_by, (snapshot->'context'->>'escalationDepth')::int as depth
      from tool_approvals where proposal_id = ? order by created_at, id`,
    [proposalId],
  );

async function expectTrailsIntact(caseId: string, proposalId: string) {
  expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true });
  expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
}

describe('approval-timeout actions, through the real workers', () => {
  it('cancel: the lane expires and the case is cancelled, with a receipt', async () => {
    const c = await pendingInCase({ approvalTtlSeconds: 1, onApprovalTimeout: 'cancel' });
    await h.waitForLane(c.laneId, ['expired'], 15_000);
    expect((await h.gov.getCase(c.caseId))?.status).toBe('cancelled');
    expect(await h.gov.listReceipts(c.caseId)).toMatchObject([
      { errorType: 'cancelled', scope: '/', taskId: c.laneId },
    ]);
    expect(await h.runsOf(c.tag)).toEqual([]);
    await expectTrailsIntact(c.caseId, c.proposalId);
  });

  it('default: system:default approves (as configured), and the call runs', async () => {
    const c = await pendingInCase({
      approvalTtlSeconds: 1,
      onApprovalTimeout: 'default',
      defaultDecision: 'approve',
    });
    const lane = await h.waitForLane(c.laneId, ['executed'], 15_000);
    expect(lane.decided_by).toBe('system:default');
    expect(await h.runsOf(c.tag)).toHaveLength(1);
    expect(await h.gov.listReceipts(c.caseId)).toMatchObject([
      { errorType: 'default_decision', taskId: c.laneId },
    ]);
    expect((await h.gov.getCase(c.caseId))?.status).toBe('open');
    await expectTrailsIntact(c.caseId, c.proposalId);
  });

  it("an approval point's own action wins over the policy's: default (reject)", async () => {
    const c = await pendingInCase(
      { approvalTtlSeconds: 1, onApprovalTimeout: 'cancel' },
      { approvalPoints: [{ tool: 'ship', onApprovalTimeout: 'default' }] },
    );
    const lane = await h.waitForLane(c.laneId, ['rejected'], 15_000);
    expect(lane.decided_by).toBe('system:default');
    expect((await h.gov.getCase(c.caseId))?.status).toBe('open');
  });

  it('escalate: each lane ends escalated and a deeper one opens, until maxDepth; then the final action', async () => {
    const c = await pendingInCase({
      approvalTtlSeconds: 1,
      onApprovalTimeout: 'escalate',
      escalation: { approverRole: 'supervisor', ttlSeconds: 1, maxDepth: 2, finalAction: 'cancel' },
    });
    const lanes = await waitFor(
      'three lanes, the last expired',
      () => lanesOf(c.proposalId),
      (rows) => rows.length === 3 && rows[2]!.status === 'expired',
      25_000,
    );
    expect(lanes).toEqual([
      { status: 'escalated', decided_by: 'system:escalation', depth: 0 },
      { status: 'escalated', decided_by: 'system:escalation', depth: 1 },
      { status: 'expired', decided_by: 'system', depth: 2 },
    ]);
    expect((await h.gov.getCase(c.caseId))?.status).toBe('cancelled');
    const receipts = await h.gov.listReceipts(c.caseId);
    expect(receipts.map((r) => r.errorType)).toEqual(['escalated', 'escalated', 'cancelled']);
    await expectTrailsIntact(c.caseId, c.proposalId);
  });
});

describe('the case deadline', () => {
  it('times the case out and closes its pending lanes', async () => {
    const c = await pendingInCase({ caseMs: 1_000, approvalTtlSeconds: 3_600 });
    const lane = await h.waitForLane(c.laneId, ['expired'], 15_000);
    expect(lane.decided_by).toBe('system:case_closed');
    expect(await h.gov.getCase(c.caseId)).toMatchObject({
      status: 'timed_out',
      closed: { by: 'system:timeout' },
    });
    expect(await h.gov.listReceipts(c.caseId)).toMatchObject([
      { errorType: 'timeout', scope: '/' },
    ]);
    const late = await h.gov.propose('ship', proposer, {
      input: { tag: `${c.tag}-late` },
      caseId: c.caseId,
    });
    expect(late).toMatchObject({ ok: false, outcome: 'case_closed' });
    await expectTrailsIntact(c.caseId, c.proposalId);
  });
});

describe('a mandatory approval point on an auto tool', () => {
  it('routes the call to approval; once approved it runs, its trail and digest intact', async () => {
    const policy = `routed-${(n += 1)}`;
    await h.gov.definePolicy(policy, { approvalPoints: [{ tool: 'ping' }] }, admin);
    const created = await h.gov.createCase({ policy, actorId: proposer });
    if (!created.ok) throw new Error(created.error);
    const tag = uniqueTag(policy);
    const proposed = await h.gov.propose('ping', proposer, {
      input: { tag },
      caseId: created.case.id,
    });
    if (!proposed.ok) throw new Error(proposed.outcome);
    expect(proposed.proposal.approvalMode).toBe('requires_approval');
    expect(await h.gov.executeProposal(proposed.proposal.id)).toMatchObject({
      ok: false,
      error: 'not_auto',
    });
    const lane = await h.gov.requestApproval(proposed.proposal.id);
    if (!lane.ok) throw new Error(lane.error);
    expect(await h.gov.approve(lane.approval.id, 'reviewer-1')).toMatchObject({ ok: true });
    expect((await h.waitForLane(lane.approval.id, ['executed'])).status).toBe('executed');
    expect(await h.runsOf(tag)).toHaveLength(1);
    expect(await h.gov.verifyAuditTrail(proposed.proposal.id)).toMatchObject({ ok: true });
  });
});
