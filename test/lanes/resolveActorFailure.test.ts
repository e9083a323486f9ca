import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createGovernance, defineTool } from '../../src/index.js';
import type { Governance } from '../../src/index.js';
import { createTestDatabase, openSql } from '../support/testDatabase.js';

const refund = defineTool({
  name: 'refund',
  input: z.object({ cents: z.number().int() }),
  riskTier: 'high',
  approvalMode: 'requires_approval',
  run: () => 'refunded',
});

// A directory that throws must not crash a decision, nor let it through.
describe('resolveActor that fails', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let gov: Governance;
  beforeAll(async () => {
    db = await createTestDatabase();
    gov = await createGovernance({
      tools: [refund],
      databaseUrl: db.url,
      enqueue: () => {},
      approverRoles: { high: 'approver' },
      resolveActor: (id) => {
        if (id === 'broken') throw new Error('directory down');
        return { scopes: [], roles: ['approver'] };
      },
    });
  });
  afterAll(async () => {
    await gov.close();
    await db.drop();
  });

  it('refuses the decision as forbidden and writes nothing', async () => {
    const proposed = await gov.propose('refund', 'alice', { input: { cents: 5 } });
    if (!proposed.ok) throw new Error('propose failed');
    const lane = await gov.requestApproval(proposed.proposal.id);
    if (!lane.ok) throw new Error('requestApproval failed');

    const result = await gov.approve(lane.approval.id, 'broken');
    expect(result).toEqual({ ok: false, error: 'forbidden', reason: 'actor_unresolved' });

    const sql = await openSql(db.url);
    try {
      const [row] = await sql.query<{ status: string; version: number }>(
        'select status, version from tool_approvals where id = ?',
        [lane.approval.id],
      );
      expect(row).toEqual({ status: 'pending', version: 1 });
    } finally {
      await sql.close();
    }
    expect((await gov.approve(lane.approval.id, 'bob')).ok).toBe(true);
  });
});
