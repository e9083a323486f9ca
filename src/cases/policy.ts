import { z } from 'zod';
import { approvalQuorumSchema } from '../tools/defineTool.js';
import type {
  ApprovalPoint,
  ApprovalTimeoutAction,
  BudgetLimits,
  CasePath,
  PolicyBody,
  TimeoutPolicy,
} from '../../machines/caseTypes.js';
import { canonicalJson, sha256 } from '../canonicalJson.js';
import { casePathSchema, isWithin, pathChain } from './casePath.js';

/** Most paths an `allowlists` or `budgets` record may hold. */
export const maxPolicyPaths = 1_000;
/** Most tools one allowlist may name. */
export const maxToolsPerList = 1_000;
/** Most approval points a policy may hold. */
export const maxApprovalPoints = 1_000;

function sizeOver(value: unknown, max: number): boolean {
  if (Array.isArray(value)) return value.length > max;
  if (typeof value !== 'object' || value === null) return false;
  let n = 0;
  for (const key in value) if (Object.hasOwn(value, key) && ++n > max) return true;
  return false;
}

// Checked before `schema` parses one member: a million hostile paths cost a count, one issue.
function bounded<T extends z.ZodType>(max: number, what: string, schema: T) {
  const guard = z.custom<unknown>((v) => !sizeOver(v, max), `at most ${max} ${what}`);
  return guard.pipe(schema);
}

// Items are compared by canonical JSON, so `{ tool: 'a' }` twice is a duplicate too.
const unique = (what: string) => (items: unknown[], ctx: z.core.$RefinementCtx<unknown[]>) => {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const key = canonicalJson(item);
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate ${what}` });
    seen.add(key);
  });
};

/** Who may say whether a tool exists: the registry, for `parsePolicyBody` and the edits. */
export type IsKnownTool = (name: string) => boolean;

const toolName = z.string().min(1).max(128);
const toolList = bounded(maxToolsPerList, 'tools', z.array(toolName).superRefine(unique('tool')));
// z.int() is the safe-integer range: fractional, negative or huge limits are issues.
const limit = z.int().nonnegative().optional();
const positive = z.int().positive();
const timeoutAction = z.enum(['cancel', 'default', 'escalate']);

const budgetLimitsSchema = z.strictObject({
  maxEffects: limit,
  maxEffectTimeMs: limit,
  maxCost: limit,
});

const escalationSchema = z.strictObject({
  approverRole: z.string().max(256).regex(/\S/, 'must not be blank'),
  ttlSeconds: positive,
  maxDepth: z.int().min(1).max(10),
  finalAction: z.enum(['cancel', 'reject']),
});

const timeoutPolicySchema = z.strictObject({
  caseMs: positive.optional(),
  executionMs: positive.optional(),
  approvalTtlSeconds: positive.optional(),
  onApprovalTimeout: timeoutAction.optional(),
  defaultDecision: z.enum(['approve', 'reject']).optional(),
  escalation: escalationSchema.optional(),
});

const approvalPointSchema = z
  .strictObject({
    tool: toolName.optional(),
    casePath: casePathSchema.optional(),
    onApprovalTimeout: timeoutAction.optional(),
    approvals: approvalQuorumSchema.optional(),
  })
  .refine((p) => p.tool !== undefined || p.casePath !== undefined, {
    message: 'an approval point needs `tool` or `casePath`',
  });

// zod says only "Invalid key in record"; the key's own issue says what is wrong with it.
const keyError = (iss: z.core.$ZodRawIssue) =>
  iss.code === 'invalid_key' ? iss.issues.map((i) => i.message).join('; ') : undefined;
const byPath = <T extends z.ZodType>(value: T) =>
  bounded(maxPolicyPaths, 'paths', z.record(casePathSchema, value, { error: keyError }));

/**
 * The shape of a {@link PolicyBody}. Strict at every depth: a misspelt key (`budget` for
 * `budgets`) fails loudly instead of silently dropping a limit. Tool names are not checked
 * against a registry here; {@link parsePolicyBody} does that.
 *
 * @example policyBodySchema.safeParse({ budgets: { '/': { maxEffects: 10 } } }).success // true
 */
export const policyBodySchema = z
  .strictObject({
    allowlists: byPath(toolList).optional(),
    budgets: byPath(budgetLimitsSchema).optional(),
    timeouts: timeoutPolicySchema.optional(),
    approvalPoints: bounded(
      maxApprovalPoints,
      'approval points',
      // A duplicate point can never match (the first one does), so it is a mistake.
      z.array(approvalPointSchema).superRefine(unique('approval point')),
    ).optional(),
    onBudgetExhausted: z.enum(['block', 'cancel']).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.timeouts?.escalation) return;
    const message = '`escalate` needs `timeouts.escalation`';
    if (body.timeouts?.onApprovalTimeout === 'escalate') {
      ctx.addIssue({ code: 'custom', path: ['timeouts', 'onApprovalTimeout'], message });
    }
    body.approvalPoints?.forEach((point, i) => {
      if (point.onApprovalTimeout !== 'escalate') return;
      ctx.addIssue({ code: 'custom', path: ['approvalPoints', i, 'onApprovalTimeout'], message });
    });
  });

/** The outcome of {@link parsePolicyBody} and of every policy edit. */
export type PolicyResult =
  { ok: true; body: PolicyBody } | { ok: false; issues: z.core.$ZodIssue[]; message: string };

function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutUndefined(v)])) as T;
}

function failed(issues: z.core.$ZodIssue[]): PolicyResult {
  return { ok: false, issues, message: z.prettifyError(new z.ZodError(issues)) };
}

/** Schema, then the form that is hashed: no `undefined` members, allowlists sorted. */
function checkShape(body: unknown): PolicyResult {
  const parsed = policyBodySchema.safeParse(body);
  if (!parsed.success) return failed(parsed.error.issues);
  const out: PolicyBody = withoutUndefined(parsed.data);
  const lists = out.allowlists ?? {};
  for (const [path, tools] of Object.entries(lists)) lists[path] = [...tools].sort();
  return { ok: true, body: out };
}

/**
 * Checks a policy body's shape and that `isKnownTool` knows every tool it names. The body
 * returned (a copy) is the form to store and hash: allowlists sorted, no `undefined` members.
 * @example const r = parsePolicyBody({ allowlists: { '/': ['search'] } }, (n) => registry.has(n))
 */
export function parsePolicyBody(body: unknown, isKnownTool: IsKnownTool): PolicyResult {
  const shaped = checkShape(body);
  if (!shaped.ok) return shaped;
  const issues: z.core.$ZodIssue[] = [];
  const check = (name: string, path: PropertyKey[]) => {
    if (isKnownTool(name)) return;
    issues.push({ code: 'custom', path, message: `unknown tool "${name}"`, input: name });
  };
  for (const [path, tools] of Object.entries(shaped.body.allowlists ?? {})) {
    tools.forEach((name, i) => check(name, ['allowlists', path, i]));
  }
  shaped.body.approvalPoints?.forEach((point, i) => {
    if (point.tool !== undefined) check(point.tool, ['approvalPoints', i, 'tool']);
  });
  return issues.length > 0 ? failed(issues) : shaped;
}

/**
 * SHA-256 hex of the canonical JSON of `body`: key order does not matter. Hash the body
 * {@link parsePolicyBody} returned, whose allowlists are sorted.
 *
 * @example policyHash({ onBudgetExhausted: 'block' }) // 64 hex characters
 */
export function policyHash(body: PolicyBody): string {
  return sha256(canonicalJson(body));
}

/**
 * The tools allowed at `path`: the intersection of the lists on its chain from `'/'` down
 * (a nested list can only narrow; a path without its own list inherits), or null when no
 * list applies (every registered tool is allowed). Throws on a malformed path.
 *
 * @example allowedTools({ allowlists: { '/': ['a', 'b'] } }, '/research') // Set {'a', 'b'}
 */
export function allowedTools(body: PolicyBody, path: CasePath): ReadonlySet<string> | null {
  const all = body.allowlists ?? {};
  const levels = pathChain(path).filter((level) => Object.hasOwn(all, level));
  const [first, ...rest] = levels.map((level) => new Set(all[level]));
  if (!first) return null;
  return new Set([...first].filter((tool) => rest.every((list) => list.has(tool))));
}

/**
 * The first approval point matching a call: its `tool` (if set) is the tool, and its
 * `casePath` (if set) contains `path`; null when none does.
 *
 * @example approvalPointFor(body, 'refund', '/billing') // { tool: 'refund' } or null
 */
export function approvalPointFor(
  body: PolicyBody,
  toolName: string,
  path: CasePath,
): ApprovalPoint | null {
  const matches = (point: ApprovalPoint) =>
    (point.tool === undefined || point.tool === toolName) &&
    (point.casePath === undefined || isWithin(path, point.casePath));
  return body.approvalPoints?.find(matches) ?? null;
}

/**
 * What happens when nobody answers a lane: the point's own action, else the policy's, else
 * `'default'`. That default (with {@link approvalDefaultDecision}'s `'reject'`) is the closest
 * to a plain expiry while still leaving a `system:default` governance receipt.
 * @example approvalTimeoutAction({}, null) // 'default'
 */
export function approvalTimeoutAction(
  body: PolicyBody,
  point: ApprovalPoint | null,
): ApprovalTimeoutAction {
  return point?.onApprovalTimeout ?? body.timeouts?.onApprovalTimeout ?? 'default';
}

/**
 * The decision `'default'` records: the policy's, else `'reject'` (never approved unasked).
 * @example approvalDefaultDecision({}) // 'reject'
 */
export function approvalDefaultDecision(body: PolicyBody): 'approve' | 'reject' {
  return body.timeouts?.defaultDecision ?? 'reject';
}

/**
 * How long one tool run may take: the least of the tool's timeout, the policy's
 * `executionMs` and what is left of the case (null: no deadline); never below 0.
 *
 * @example executionDeadlineMs({ timeouts: { executionMs: 5_000 } }, 30_000, null) // 5000
 */
export function executionDeadlineMs(
  body: PolicyBody,
  toolTimeoutMs: number,
  timeLeftMs: number | null,
): number {
  const cap = body.timeouts?.executionMs ?? Infinity;
  const ms = Math.min(toolTimeoutMs, cap, timeLeftMs ?? Infinity);
  // NaN (a broken caller) fails closed: no time at all rather than no limit.
  return Number.isNaN(ms) ? 0 : Math.max(0, ms);
}

/**
 * A new body whose allowlist at `casePath` is `tools` (replacing any), checked in full.
 *
 * @example withAllowlist(body, '/research', ['search'], (n) => registry.has(n))
 */
export function withAllowlist(
  body: PolicyBody,
  casePath: CasePath,
  tools: readonly string[],
  isKnownTool: IsKnownTool,
): PolicyResult {
  const allowlists = { ...body.allowlists, [casePath]: [...tools] };
  return parsePolicyBody({ ...body, allowlists }, isKnownTool);
}

/**
 * A new body whose budget at `path` is `limits` (replacing any); names no tool, so only the
 * shape is checked. @example withBudget(body, '/', { maxEffects: 20 })
 */
export function withBudget(body: PolicyBody, path: CasePath, limits: BudgetLimits): PolicyResult {
  return checkShape({ ...body, budgets: { ...body.budgets, [path]: { ...limits } } });
}

/**
 * A new body whose timeouts part is `timeouts` (replacing it whole); names no tool, so only
 * the shape is checked, including that every `escalate` still has an escalation.
 * @example withTimeouts(body, { caseMs: 60_000, onApprovalTimeout: 'cancel' })
 */
export function withTimeouts(body: PolicyBody, timeouts: TimeoutPolicy): PolicyResult {
  return checkShape({ ...body, timeouts: { ...timeouts } });
}

/**
 * A new body with `point` appended, unless an equal point is already there; checked in full.
 *
 * @example withApprovalPoint(body, { tool: 'refund' }, (n) => registry.has(n))
 */
export function withApprovalPoint(
  body: PolicyBody,
  point: ApprovalPoint,
  isKnownTool: IsKnownTool,
): PolicyResult {
  const points = body.approvalPoints ?? [];
  const key = canonicalJson(point);
  const present = points.some((p) => canonicalJson(p) === key);
  const approvalPoints = present ? [...points] : [...points, { ...point }];
  return parsePolicyBody({ ...body, approvalPoints }, isKnownTool);
}
