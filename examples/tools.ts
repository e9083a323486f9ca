import { z } from 'zod';
import { defineTool } from '../src/index.js';

/** What the demo's tools "did", so the demo can show that each ran once, or not at all. */
export const ledger: string[] = [];

export const refundOrder = defineTool({
  name: 'refund_order',
  input: z.strictObject({ orderId: z.string().min(1), cents: z.number().int().positive() }),
  riskTier: 'high',
  approvalMode: 'requires_approval',
  requiredScopes: ['payments:write'],
  authorize: (_actor, input) =>
    input.cents <= 50_000
      ? { allow: true }
      : { allow: false, reason: 'refunds over $500 go to finance' },
  run: async ({ orderId, cents }, { idempotencyKey }) => {
    ledger.push(`refunded ${cents} cents on ${orderId} (key ${idempotencyKey.slice(0, 24)}…)`);
    return { refunded: cents };
  },
});

export const lookupOrder = defineTool({
  name: 'lookup_order',
  input: z.strictObject({ orderId: z.string().min(1) }),
  riskTier: 'low',
  approvalMode: 'auto',
  run: async ({ orderId }) => {
    ledger.push(`looked up ${orderId}`);
    return { orderId, status: 'shipped' };
  },
});

export const dropDatabase = defineTool({
  name: 'drop_database',
  input: z.strictObject({ name: z.string() }),
  riskTier: 'critical',
  approvalMode: 'always_block',
  run: async () => {
    throw new Error('never runs');
  },
});

export const searchKb = defineTool({
  name: 'search_kb',
  input: z.strictObject({ query: z.string().min(1) }),
  riskTier: 'low',
  approvalMode: 'auto',
  run: async ({ query }) => {
    ledger.push(`searched the knowledge base for "${query}"`);
    return { hits: 3 };
  },
});

export const issueVoucher = defineTool({
  name: 'issue_voucher',
  input: z.strictObject({ orderId: z.string().min(1), cents: z.number().int().positive() }),
  riskTier: 'medium',
  approvalMode: 'requires_approval',
  run: async ({ orderId, cents }) => {
    ledger.push(`issued a ${cents} cent voucher on ${orderId}`);
    return { voucher: `V-${orderId}` };
  },
});
