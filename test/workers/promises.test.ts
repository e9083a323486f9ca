import { describe, expect, it } from 'vitest';
import { uniqueTag, useWorkerSuite } from './support/workerHarness.js';

// Promises the README makes about the workers, each held to by a test.
describe('worker promises', () => {
  const h = useWorkerSuite();

  it('executeProposal called three times at once opens one lane, and the tool runs once', async () => {
    const tag = uniqueTag('ping');
    const proposalId = await h.proposeTagged('ping', tag);

    const results = await Promise.all([1, 2, 3].map(() => h.gov.executeProposal(proposalId)));
    const again = await h.gov.executeProposal(proposalId);

    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of [...results, again].filter((x) => !x.ok)) {
      expect(r).toMatchObject({ ok: false, error: 'conflict' });
    }
    const laneId = results.find((r) => r.ok)!.ok
      ? (results.find((r) => r.ok) as { approval: { id: string } }).approval.id
      : '';
    expect((await h.waitForLane(laneId)).status).toBe('executed');
    expect(await h.runsOf(tag)).toHaveLength(1);
    const [row] = await h.sql.query<{ lanes: number }>(
      'select count(*)::int as lanes from tool_approvals where proposal_id = ?',
      [proposalId],
    );
    expect(row?.lanes).toBe(1);
  });

  it('retries back off by doubling: retryBackoffMs, then twice that', async () => {
    const { proposalId, laneId } = await h.approvedLane('flaky', uniqueTag('flaky'));
    expect((await h.waitForLane(laneId)).status).toBe('executed');

    const retries = (await h.gov.listEvents(proposalId))
      .filter((e) => e.type === 'execution_retry_scheduled')
      .map((e) => e.payload.event as { at: string; retryAt: string });
    // The suite's retryBackoffMs is 100.
    expect(retries.map((r) => Date.parse(r.retryAt) - Date.parse(r.at))).toEqual([100, 200]);
  });
});
