import { z } from 'zod';
import { defineTool } from '../../../src/index.js';
import type { ActorIdentity, ToolDefinition, ToolSpec } from '../../../src/index.js';
import { recordRun } from '../../workers/support/sideEffectTools.js';
import type { Sql } from '../../workers/support/sideEffectTools.js';

/** A transfer: the account, the amount (at most 10,000 cents), and a tag for its side effect. */
export const transferInput = z.strictObject({
  tag: z.string().min(1),
  account: z.string().min(1),
  cents: z.number().int().positive().max(10_000),
});

type TransferSpec = Partial<ToolSpec<typeof transferInput>>;

/**
 * The decisions suites' tools, each run recording its side effect with the input it ran:
 * - `transfer`: editable on approval, needs `payments:write`, refused by policy for the
 *   account `blocked`, costs one unit per started 1,000 cents;
 * - `transfer_amount`: the same, only `cents` editable;
 * - `fixed`: not editable;
 * - `wire`: needs two approvers; editable.
 */
export function decisionTools(sql: Sql): ToolDefinition[] {
  const transfer = (name: string, extra: TransferSpec) =>
    defineTool({
      name,
      input: transferInput,
      riskTier: 'high',
      approvalMode: 'requires_approval',
      requiredScopes: ['payments:write'],
      authorize: (_actor, input) =>
        input.account === 'blocked'
          ? { allow: false, reason: 'account is blocked' }
          : { allow: true },
      cost: (input) => Math.ceil(input.cents / 1_000),
      run: async (input, ctx) => {
        await recordRun(sql, input.tag, ctx, JSON.stringify(input));
        return { sent: input.cents, to: input.account };
      },
      ...extra,
    }) as ToolDefinition;
  return [
    transfer('transfer', { editableOnApproval: true }),
    transfer('transfer_amount', { editableOnApproval: ['cents'] }),
    transfer('fixed', {}),
    transfer('wire', { approvals: { count: 2 }, editableOnApproval: true }),
  ];
}

/** The suites' directory, which a test may change (a scope revoked) while it runs. */
export const directory = new Map<string, ActorIdentity>([
  ['agent-7', { actorId: 'agent-7', scopes: ['payments:write'], roles: [] }],
  ['reviewer-1', { actorId: 'reviewer-1', scopes: [], roles: ['payments'] }],
  ['reviewer-2', { actorId: 'reviewer-2', scopes: [], roles: ['payments'] }],
  ['reviewer-3', { actorId: 'reviewer-3', scopes: [], roles: ['payments'] }],
  ['reviewer-4', { actorId: 'reviewer-4', scopes: [], roles: ['payments'] }],
  ['outsider', { actorId: 'outsider', scopes: [], roles: [] }],
]);

/** The governance options the decisions suites share: the directory and the tier's role. */
export const decisionOverrides = {
  resolveActor: (id: string) => directory.get(id) ?? null,
  approverRoles: { high: 'payments' },
} as const;
