import { z } from 'zod';
import { createGovernance, defineTool } from 'countersign';

// Stand-ins for your payment service and your people directory.
const payments = {
  refund: async (orderId: string, cents: number, idempotencyKey: string) => ({
    orderId,
    cents,
    idempotencyKey,
  }),
};
const directory: Record<string, { scopes: string[]; roles: string[] }> = {
  'agent:support': { scopes: ['payments:write'], roles: [] },
  'human:dana': { scopes: [], roles: ['payments-approver'] },
};

const refund = defineTool({
  name: 'refund_order',
  input: z.strictObject({ orderId: z.string(), cents: z.number().int().positive() }),
  riskTier: 'high',
  approvalMode: 'requires_approval',
  requiredScopes: ['payments:write'],
  authorize: (_actor, input) =>
    input.cents <= 50_000 ? { allow: true } : { allow: false, reason: 'over the limit' },
  // `ctx` also has the lane, proposal and case ids, the attempt and an abort signal.
  run: async ({ orderId, cents }, ctx) => payments.refund(orderId, cents, ctx.idempotencyKey),
});

const gov = await createGovernance({
  tools: [refund],
  databaseUrl: process.env.DATABASE_URL, // unset: an embedded PGlite in embeddedDataDir
  embeddedDataDir: 'memory://',
  resolveActor: (id) => directory[id] ?? null, // → { scopes, roles } or null
  approverRoles: { high: 'payments-approver' },
});
await gov.startWorkers(); // in the processes that should run tools

const proposed = await gov.propose('refund_order', 'agent:support', {
  input: { orderId: 'A-1', cents: 500 },
  conversationId: 'conv-42',
});
if (proposed.ok) {
  const lane = await gov.requestApproval(proposed.proposal.id); // pending for 48 h
  // …later, from the approver's UI, the HTTP API or your own service:
  if (lane.ok) {
    const approved = await gov.approve(lane.approval.id, 'human:dana', { note: 'checked' });
    console.log(approved.ok ? approved.approval.status : approved.error); // approved
  }
}
await gov.close();
