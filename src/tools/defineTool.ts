import { z } from 'zod';
import type { ApprovalQuorum } from '../../machines/laneTypes.js';
import { ConfigurationError } from '../errors/configurationError.js';

/** How much harm a tool can do; the approval policy maps each tier to a required role. */
export type RiskTier = 'low' | 'medium' | 'high' | 'critical';
/** `auto` runs without a human; `requires_approval` needs a lane; `always_block` never runs. */
export type ApprovalMode = 'auto' | 'requires_approval' | 'always_block';

/** What `authorize` decides. */
export type AuthorizeDecision = { allow: true } | { allow: false; reason: string };

/** What `authorize` is told about the call besides the actor and the input. */
export interface AuthorizeContext {
  tool: { name: string; version: string; riskTier: RiskTier };
  scopes: readonly string[];
  conversationId: string | null;
  caseId: string | null;
}

/** What the execution worker hands to `run`. */
export interface RunContext {
  /** Aborted when the tool's `timeoutMs` (or the case's time budget) runs out. */
  signal: AbortSignal;
  /** The same on every attempt of this lane: pass it to the service the tool calls. */
  idempotencyKey: string;
  /** 1 on the first run of the lane, then 2, 3… when a lapsed claim is run again. */
  attempt: number;
  /** The approval lane being executed. */
  laneId: string;
  /** The proposal the lane is about. */
  proposalId: string;
  /** The case the call was made in, or null. */
  caseId: string | null;
}

/** A tool as written by its author; see {@link defineTool}. */
export interface ToolSpec<Schema extends z.ZodType = z.ZodType, Result = unknown> {
  name: string;
  /** @default '1' */
  version?: string | undefined;
  /** zod 4 schema of the input; the parsed value is what is stored, hashed and run. */
  input: Schema;
  riskTier: RiskTier;
  approvalMode: ApprovalMode;
  /** Scopes the proposing actor must hold (gate 2). @default [] */
  requiredScopes?: readonly string[] | undefined;
  /** Policy check (gate 3). May be async; must not write anything. */
  authorize?:
    | ((
        actorId: string,
        input: z.output<Schema>,
        ctx: AuthorizeContext,
      ) => AuthorizeDecision | Promise<AuthorizeDecision>)
    | undefined;
  /**
   * Cost units charged to a case budget per execution: a non-negative integer, or a function
   * of the parsed input that returns one (it must be deterministic: the execution worker
   * recomputes it, and a different answer refuses the run). @default 0
   */
  cost?: number | ((input: z.output<Schema>) => number) | undefined;
  /** Execution deadline in milliseconds. @default 30000 */
  timeoutMs?: number | undefined;
  /** Safe to run again with the same idempotency key. @default false */
  idempotent?: boolean | undefined;
  /**
   * Whether an approver may approve an edited input (judged again by every gate): `true`,
   * or the top-level fields (or JSON Pointer prefixes such as `/address/city`) they may
   * change. @default false
   */
  editableOnApproval?: boolean | readonly string[] | undefined;
  /** How many distinct approvers a lane of this tool needs, and with which roles. @default one */
  approvals?: ApprovalQuorum | undefined;
  run: (input: z.output<Schema>, ctx: RunContext) => Result | Promise<Result>;
}

/**
 * Every property of `T` present and defined: a spec once its defaults are filled in (unlike
 * `Required`, also under `exactOptionalPropertyTypes`, which keeps a declared `| undefined`).
 */
type Filled<T> = { [K in keyof T]-?: NonNullable<T[K]> };

/** A registered tool: the spec with every default filled in. */
export interface ToolDefinition<
  Schema extends z.ZodType = z.ZodType,
  Result = unknown,
> extends Filled<Omit<ToolSpec<Schema, Result>, 'authorize' | 'approvals'>> {
  authorize: ToolSpec<Schema, Result>['authorize'];
  approvals: ApprovalQuorum | null;
}

const roleName = z.string().min(1).max(256);

/** A quorum as tools and approval points declare it. */
export const approvalQuorumSchema = z.strictObject({
  count: z.number().int().min(1).max(50),
  roles: z.array(roleName).min(1).max(100).optional(),
  onRejection: z.enum(['reject', 'count']).optional(),
});

const NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;
const specSchema = z.object({
  name: z.string().regex(NAME, 'letters, digits, _ . : - (max 128), starting with a letter'),
  version: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/)
    .default('1'),
  riskTier: z.enum(['low', 'medium', 'high', 'critical']),
  approvalMode: z.enum(['auto', 'requires_approval', 'always_block']),
  requiredScopes: z.array(z.string().min(1)).default([]),
  cost: z
    .union([
      z.number().int().nonnegative(),
      z.custom<(input: never) => number>((v) => typeof v === 'function', 'must be a function'),
    ])
    .default(0),
  timeoutMs: z.number().int().positive().default(30_000),
  idempotent: z.boolean().default(false),
  editableOnApproval: z
    .union([z.boolean(), z.array(z.string().min(1).max(256)).min(1).max(1_000)])
    .default(false),
  approvals: approvalQuorumSchema.optional(),
  input: z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'must be a zod schema'),
  run: z.custom<(...args: never[]) => unknown>(
    (v) => typeof v === 'function',
    'must be a function',
  ),
  authorize: z
    .custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function')
    .optional(),
});

/**
 * Declares a tool. The definition is checked at once, so a typo fails at start-up rather
 * than at the first proposal.
 *
 * @example
 * const refund = defineTool({
 *   name: 'refund', input: z.object({ orderId: z.string(), cents: z.number().int() }),
 *   riskTier: 'high', approvalMode: 'requires_approval', requiredScopes: ['payments:write'],
 *   run: async ({ orderId, cents }) => payments.refund(orderId, cents),
 * });
 */
export function defineTool<Schema extends z.ZodType, Result>(
  spec: ToolSpec<Schema, Result>,
): ToolDefinition<Schema, Result> {
  const parsed = specSchema.safeParse(spec);
  if (!parsed.success) {
    const where = typeof spec?.name === 'string' ? ` "${spec.name}"` : '';
    throw new ConfigurationError(`invalid tool${where}: ${z.prettifyError(parsed.error)}`);
  }
  const { name, version, riskTier, approvalMode, requiredScopes, cost, timeoutMs, idempotent } =
    parsed.data;
  const { editableOnApproval, approvals } = parsed.data;
  return Object.freeze({
    name,
    version,
    riskTier,
    approvalMode,
    requiredScopes,
    // The schema checked its type; the spec keeps the function's own signature.
    cost: typeof cost === 'function' ? (spec.cost as ToolDefinition<Schema>['cost']) : cost,
    timeoutMs,
    idempotent,
    editableOnApproval,
    approvals: approvals ?? null,
    input: spec.input,
    authorize: spec.authorize,
    run: spec.run,
  });
}

/**
 * The cost of running `tool` on `input`, or null when its cost function throws or answers
 * something other than a non-negative safe integer (the call then fails closed).
 */
export function costOf(tool: ToolDefinition, input: unknown): number | null {
  try {
    const cost: unknown = typeof tool.cost === 'function' ? tool.cost(input as never) : tool.cost;
    return Number.isSafeInteger(cost) && (cost as number) >= 0 ? (cost as number) : null;
  } catch {
    return null;
  }
}
