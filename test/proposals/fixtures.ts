import { afterAll, beforeAll, vi } from 'vitest';
import { z } from 'zod';
import { createGovernance } from '../../src/governance.js';
import type { Governance, GovernanceOptions } from '../../src/governance.js';
import { defineTool } from '../../src/tools/defineTool.js';
import type { ToolDefinition } from '../../src/tools/defineTool.js';
import { createTestDatabase, openSql } from '../support/testDatabase.js';

/** The refund tool's `run`; `propose` must never call it. */
export const refundRun = vi.fn(() => 'refunded');

/** A refund: needs `payments:write`, and policy denies anything over 1,000.00. */
export const refundTool = defineTool({
  name: 'refund',
  input: z.object({
    orderId: z.string().trim().min(1),
    cents: z.number().int().positive(),
    note: z.string().optional(),
  }),
  riskTier: 'high',
  approvalMode: 'requires_approval',
  requiredScopes: ['payments:write'],
  authorize: (_actor, input) =>
    input.cents > 100_000 ? { allow: false, reason: 'over_refund_limit' } : { allow: true },
  run: refundRun,
});

/** Takes any text, so size and character limits are the pipeline's, not the schema's. */
export const noteTool = defineTool({
  name: 'note',
  input: z.object({ text: z.string() }),
  riskTier: 'low',
  approvalMode: 'auto',
  run: () => 'noted',
});

/** Rejects fields its schema does not name. */
export const strictTool = defineTool({
  name: 'strict_note',
  input: z.strictObject({ text: z.string() }),
  riskTier: 'low',
  approvalMode: 'auto',
  run: () => 'noted',
});

/** Accepts any value at all, so only the pipeline's own checks stand in the way. */
export const looseTool = defineTool({
  name: 'loose',
  input: z.unknown(),
  riskTier: 'low',
  approvalMode: 'auto',
  run: () => 'done',
});

export const fixtureTools: readonly ToolDefinition[] = [
  refundTool,
  noteTool,
  strictTool,
  looseTool,
];

/** The scopes that let an actor past the refund tool's scope gate. */
export const payer = { scopes: ['payments:write'] };

/** Proposes a refund of `cents` for `orderId` by `agent-a` (a payer) and opens its lane. */
export async function openRefundLane(
  gov: Governance,
  orderId: string,
  cents = 100,
): Promise<{ proposalId: string; laneId: string }> {
  const proposed = await gov.propose('refund', 'agent-a', { input: { orderId, cents }, ...payer });
  if (!proposed.ok) throw new Error(`refund proposal blocked: ${proposed.reason}`);
  const lane = await gov.requestApproval(proposed.proposal.id);
  if (!lane.ok) throw new Error(lane.error);
  return { proposalId: proposed.proposal.id, laneId: lane.approval.id };
}

/** Raw SQL handle returned by {@link openSql}. */
export type Sql = Awaited<ReturnType<typeof openSql>>;

/** A governance on a fresh database of the test server, with raw SQL on the same database. */
export interface Harness {
  gov: Governance;
  sql: Sql;
  url: string;
  /** Rows in tool_proposals and tool_action_events right now. */
  counts(): Promise<{ proposals: number; events: number }>;
  close(): Promise<void>;
}

/**
 * Gives the calling file (or suite) a harness on `tools` (with `overrides` of the governance
 * options), open from beforeAll to afterAll.
 */
export function useHarness(
  tools: readonly ToolDefinition[] = fixtureTools,
  overrides: Partial<GovernanceOptions> = {},
): Harness {
  const h = {} as Harness; // filled in by beforeAll, so the caller can hold it from the start
  beforeAll(async () => void Object.assign(h, await openHarness(tools, overrides)));
  afterAll(() => h.close?.()); // close is unset when beforeAll failed
  return h;
}

async function openHarness(
  tools: readonly ToolDefinition[],
  overrides: Partial<GovernanceOptions>,
): Promise<Harness> {
  const db = await createTestDatabase();
  const gov = await createGovernance({ tools, databaseUrl: db.url, ...overrides });
  const sql = await openSql(db.url);
  const harness: Harness = {
    gov,
    sql,
    url: db.url,
    async counts() {
      const [row] = await sql.query<{ proposals: number; events: number }>(
        `select (select count(*) from tool_proposals)::int as proposals,
                (select count(*) from tool_action_events)::int as events`,
      );
      return row!;
    },
    async close() {
      await gov.close();
      await sql.close();
      await db.drop();
    },
  };
  return harness;
}

/** What `promise` rejected with; fails the test when it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    (value) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) {
    throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)?.slice(0, 300)}`);
  }
  return outcome.error;
}
