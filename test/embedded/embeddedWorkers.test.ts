import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/governance.js';
import { fixtureTools, payer } from '../proposals/fixtures.js';

delete process.env.DATABASE_URL;

// Its own worker process, like embedded.test: the embedded database without DATABASE_URL.
describe('lanes and workers on the embedded database', () => {
  it('runs lanes and workers: an approved call is executed once, its trail intact', async () => {
    let runs = 0;
    const tools = fixtureTools.map((t) =>
      t.name === 'refund' ? { ...t, run: () => ({ refunds: ++runs }) } : t,
    );
    const gov = await createGovernance({
      tools,
      embeddedDataDir: 'memory://',
      scheduler: { processEveryMs: 200 },
    });
    try {
      await gov.startWorkers();
      const proposed = await gov.propose('refund', 'agent-e', {
        input: { orderId: 'emb-run', cents: 300 },
        ...payer,
      });
      if (!proposed.ok) throw new Error('blocked');
      const lane = await gov.requestApproval(proposed.proposal.id);
      if (!lane.ok) throw new Error(lane.error);
      expect(await gov.approve(lane.approval.id, 'reviewer-e')).toMatchObject({ ok: true });

      for (let i = 0; i < 100; i += 1) {
        if ((await gov.getLatestApproval(proposed.proposal.id))?.status === 'executed') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await gov.getLatestApproval(proposed.proposal.id)).toMatchObject({
        status: 'executed',
        result: { refunds: 1 },
      });
      expect(runs).toBe(1);
      expect(await gov.verifyAuditTrail(proposed.proposal.id)).toMatchObject({ ok: true });
    } finally {
      await gov.close();
    }
  });
});
