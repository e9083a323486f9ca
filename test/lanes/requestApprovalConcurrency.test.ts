import { describe, expect, it } from 'vitest';
import { useLaneHarness } from './support/laneHarness.js';

// The partial unique index and the audit-head check must let exactly one request win.
describe('concurrent requestApproval', () => {
  const h = useLaneHarness();

  it('opens exactly one lane for 10 simultaneous requests; the others get conflict', async () => {
    for (let round = 0; round < 5; round += 1) {
      const proposalId = await h.proposeRefund();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => h.gov.requestApproval(proposalId)),
      );

      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      for (const r of results.filter((r) => !r.ok)) expect(r).toMatchObject({ error: 'conflict' });
      const lanes = await h.sql.query<{ id: string; status: string }>(
        'select id, status from tool_approvals where proposal_id = ?',
        [proposalId],
      );
      expect(lanes).toHaveLength(1);
      const laneId = lanes[0]!.id;
      expect(winners[0]!.ok && winners[0]!.approval.id).toBe(laneId);
      expect((await h.laneEvents(laneId)).map((e) => e.type)).toEqual(['approval_requested']);
      expect(h.jobs.filter((j) => j.laneId === laneId)).toHaveLength(1);
      expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 2 });
    }
  });
});
