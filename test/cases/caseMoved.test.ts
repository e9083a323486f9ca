import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/index.js';
import type { Governance } from '../../src/index.js';
import { proposer } from '../workers/support/sideEffectTools.js';
import { useWorkerSuite } from '../workers/support/workerHarness.js';
import { caseTools, executeAll, openBudgetCase, proposeInCase } from './support/caseWorkers.js';

// A process judges a call against the case as it last saw it, and stores it only if the case
// is still at that version: what another process did to the case in between must count.
describe('proposing in a case another process moved', () => {
  // The workers' process runs calls and closes cases; `proposing` only proposes.
  const h = useWorkerSuite({ tools: caseTools });
  let proposing: Governance;
  beforeAll(async () => {
    proposing = await createGovernance({ tools: caseTools(h.sql), databaseUrl: h.url });
  });
  afterAll(() => proposing?.close());

  const propose = (caseId: string, tag: string) =>
    proposing.propose('tick', proposer, { input: { tag }, caseId, casePath: '/' });

  it('a budget another process spent blocks the next proposal', async () => {
    const caseId = await openBudgetCase(h.gov, 'moved-budget', { '/': { maxEffects: 1 } });
    const first = await proposeInCase(proposing, caseId, 'tick', { tag: 'moved-1' });
    // Seen by `proposing` with its whole budget left; the other process now spends it.
    const [laneId] = await executeAll(h.gov, [first]);
    await h.waitForLane(laneId!, ['executed']);

    const next = await propose(caseId, 'moved-2');

    expect(next).toMatchObject({ ok: false, outcome: 'budget_exceeded' });
    expect(await proposing.listReceipts(caseId)).toMatchObject([
      { errorType: 'budget_exceeded', scope: '/', taskId: next.proposal?.id },
    ]);
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true });
  });

  it('a case another process cancelled refuses the next proposal, storing it as blocked', async () => {
    const caseId = await openBudgetCase(h.gov, 'moved-status', {});
    expect(await propose(caseId, 'open-1')).toMatchObject({ ok: true, duplicate: false });
    expect(await h.gov.cancelCase(caseId, { actorId: 'ops', reason: 'stop' })).toMatchObject({
      ok: true,
    });

    const next = await propose(caseId, 'open-2');

    expect(next).toMatchObject({ ok: false, outcome: 'case_closed' });
    const stored = await h.sql.query<{ status: string }>(
      `select status from tool_proposals where case_id = ? order by created_at`,
      [caseId],
    );
    expect(stored.map((r) => r.status)).toEqual(['proposed', 'blocked']);
  });

  it('a case whose row was edited behind this process fails closed: its chain decides', async () => {
    const caseId = await openBudgetCase(h.gov, 'moved-sql', {});
    expect(await propose(caseId, 'sql-1')).toMatchObject({ ok: true });
    // Closed by hand in the database: status and the machine's own state, next version.
    await h.sql.query(
      `update governance_cases set status = 'completed', version = version + 1,
         snapshot = jsonb_set(snapshot, '{value}', '"completed"') where id = ?`,
      [caseId],
    );

    await expect(propose(caseId, 'sql-2')).rejects.toMatchObject({
      name: 'CaseSnapshotError',
      code: 'inconsistent',
      field: 'status',
    });
  });
});
