import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/index.js';
import { crashToolTimeoutMs, crashTools } from '../workers/fixtures/crashTools.js';
import { runCrashChild } from '../workers/fixtures/runCrashChild.js';
import { approver, proposer, workerOptions } from '../workers/support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite, waitFor } from '../workers/support/workerHarness.js';

// A worker SIGKILLed after its claim (with the case's budget reservation) committed — before
// the run, or inside it — leaves a hold on the case. After a restart the hold is settled
// exactly once: never leaked, never charged twice.
const h = useWorkerSuite({ tools: crashTools, startWorkers: false });
let n = 0;

const scenarios = [
  { point: 'after_claim', tool: 'once', runs: 0, end: 'execution_failed', effects: 1 },
  { point: 'during_run', tool: 'once', runs: 1, end: 'execution_failed', effects: 1 },
  { point: 'during_run', tool: 'again', runs: 2, end: 'executed', effects: 2 },
] as const;

describe('a worker killed while it holds a case budget reservation', () => {
  it.each(scenarios)('$point, $tool tool: the hold is settled once after a restart', async (s) => {
    const policy = `crash-${(n += 1)}`;
    await h.gov.definePolicy(
      policy,
      { budgets: { '/': { maxEffects: 5, maxEffectTimeMs: 60_000 } } },
      { actorId: 'admin' },
    );
    const created = await h.gov.createCase({ policy, actorId: proposer });
    if (!created.ok) throw new Error(created.error);
    const caseId = created.case.id;
    const tag = uniqueTag(`case-${s.point}-${s.tool}`);
    const proposed = await h.gov.propose(s.tool, proposer, { input: { tag }, caseId });
    if (!proposed.ok) throw new Error(proposed.outcome);
    const opened = await h.gov.requestApproval(proposed.proposal.id);
    if (!opened.ok) throw new Error(opened.error);
    const laneId = opened.approval.id;
    expect(await h.gov.approve(laneId, approver)).toMatchObject({ ok: true });

    const child = await runCrashChild(h.url, s.point, laneId);

    expect(child.signal, child.output).toBe('SIGKILL');
    // The claim and its reservation committed together; nothing settled it.
    const held = (await h.gov.checkBudget(caseId))!.levels[0]!;
    expect(held.reserved).toEqual({ effects: 1, timeMs: crashToolTimeoutMs, cost: 0 });
    expect(held.used.effects).toBe(0);

    const restarted = await createGovernance(workerOptions(h.url, crashTools(h.sql)));
    try {
      await restarted.startWorkers();
      const lane = await h.waitForLane(laneId, [s.end], 20_000);
      expect(lane.status).toBe(s.end);
      expect(await h.runsOf(tag)).toHaveLength(s.runs);
      const settled = (await h.gov.checkBudget(caseId))!.levels[0]!;
      expect(settled.reserved).toEqual({ effects: 0, timeMs: 0, cost: 0 });
      expect(settled.used.effects).toBe(s.effects);
      // An interrupted run is charged its whole hold: nobody measured it.
      expect(settled.used.timeMs).toBeGreaterThanOrEqual(crashToolTimeoutMs);
      expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true });
      await h.settleLaneJobs();
    } finally {
      await restarted.close();
    }
  });
});

describe('a worker killed between an escalation and the next lane', () => {
  it('the next lane opens after a restart, one level deeper', async () => {
    const policy = `crash-escalation-${(n += 1)}`;
    const escalation = {
      approverRole: 'supervisor',
      ttlSeconds: 3_600,
      maxDepth: 2,
      finalAction: 'cancel',
    } as const;
    await h.gov.definePolicy(
      policy,
      { timeouts: { approvalTtlSeconds: 1, onApprovalTimeout: 'escalate', escalation } },
      { actorId: 'admin' },
    );
    const created = await h.gov.createCase({ policy, actorId: proposer });
    if (!created.ok) throw new Error(created.error);
    const proposed = await h.gov.propose('once', proposer, {
      input: { tag: uniqueTag('esc') },
      caseId: created.case.id,
    });
    if (!proposed.ok) throw new Error(proposed.outcome);
    const opened = await h.gov.requestApproval(proposed.proposal.id);
    if (!opened.ok) throw new Error(opened.error);

    const child = await runCrashChild(h.url, 'after_escalation', opened.approval.id);

    expect(child.signal, child.output).toBe('SIGKILL');
    const lanes = () =>
      h.sql.query<{ status: string; depth: number }>(
        `select status, (snapshot->'context'->>'escalationDepth')::int as depth
          from tool_approvals where proposal_id = ? order by created_at`,
        [proposed.proposal.id],
      );
    expect(await lanes()).toEqual([{ status: 'escalated', depth: 0 }]);
    const restarted = await createGovernance(workerOptions(h.url, crashTools(h.sql)));
    try {
      await restarted.startWorkers();
      const after = await waitFor('the next lane', lanes, (rows) => rows.length === 2, 15_000);
      expect(after).toEqual([
        { status: 'escalated', depth: 0 },
        { status: 'pending', depth: 1 },
      ]);
      expect(await h.gov.verifyAuditTrail(proposed.proposal.id)).toMatchObject({ ok: true });
    } finally {
      await restarted.close();
    }
  });
});
