import { z } from 'zod';
import { findLatestPolicy, findPolicy, insertPolicy } from '../../persistence/policy.repository.js';
import type { PolicyRow } from '../../persistence/policy.repository.js';
import type { StoredJson } from '../../persistence/rows.js';
import type {
  ApprovalPoint,
  BudgetLimits,
  PolicyBody,
  TimeoutPolicy,
} from '../../machines/caseTypes.js';
import { canonicalActorId, isReservedActorId } from '../actorIdentity.js';
import { PolicyError } from '../errors/policyError.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { idSchema } from '../pipeline/idSchema.js';
import { casePathSchema } from './casePath.js';
import {
  parsePolicyBody,
  policyHash,
  withAllowlist,
  withApprovalPoint,
  withBudget,
  withTimeouts,
} from './policy.js';
import type { IsKnownTool, PolicyResult } from './policy.js';

/** One stored version of a named policy. */
export interface PolicyVersion {
  name: string;
  version: number;
  /** SHA-256 of the canonical body: what a case and a call digest record. */
  hash: string;
  body: PolicyBody;
  createdBy: string;
  createdAt: string;
}

/** Who changes a policy; recorded with the version. */
export interface PolicyChange {
  actorId: string;
}

const nameSchema = idSchema.max(128);
const changeSchema = z.strictObject({ actorId: idSchema });

function checked(name: unknown, change: unknown): { name: string; actorId: string } {
  const n = nameSchema.safeParse(name);
  if (!n.success) throw new PolicyError(`policy name: ${z.prettifyError(n.error)}`, n.error.issues);
  const c = changeSchema.safeParse(change);
  if (!c.success)
    throw new PolicyError(`policy change: ${z.prettifyError(c.error)}`, c.error.issues);
  const actorId = canonicalActorId(c.data.actorId);
  if (isReservedActorId(actorId))
    throw new PolicyError('actorId is reserved for countersign itself');
  return { name: n.data, actorId };
}

const toVersion = (row: PolicyRow): PolicyVersion => ({
  ...row,
  body: row.body as PolicyBody,
});

function valid(result: PolicyResult): PolicyBody {
  if (!result.ok) throw new PolicyError(`invalid policy: ${result.message}`, result.issues);
  return result.body;
}

const knownTools =
  (rt: GovernanceRuntime): IsKnownTool =>
  (name) =>
    rt.registry.has(name);

async function store(
  rt: GovernanceRuntime,
  name: string,
  version: number,
  body: PolicyBody,
  actorId: string,
) {
  const row: PolicyRow = {
    name,
    version,
    body: body as Record<string, StoredJson>,
    hash: policyHash(body),
    createdBy: actorId,
    createdAt: rt.now().toISOString(),
  };
  const inserted = await rt.withEm('storePolicy', (em) => insertPolicy(em, row));
  return inserted ? toVersion(row) : null;
}

/**
 * Validates a policy body and stores it as version 1 of `name`. A name that exists is
 * refused (change it with the `set…` methods, which write new versions).
 */
export async function definePolicy(
  rt: GovernanceRuntime,
  rawName: unknown,
  rawBody: unknown,
  change: unknown,
): Promise<PolicyVersion> {
  const { name, actorId } = checked(rawName, change);
  const body = valid(parsePolicyBody(rawBody, knownTools(rt)));
  const stored = await store(rt, name, 1, body, actorId);
  if (!stored) throw new PolicyError(`policy "${name}" exists; change it with the set… methods`);
  return stored;
}

// Two writers racing for one version: the loser re-reads and re-applies its edit.
const MAX_ATTEMPTS = 5;

/** Applies `edit` to the newest version of `name` and stores the result as the next. */
async function editPolicy(
  rt: GovernanceRuntime,
  rawName: unknown,
  change: unknown,
  edit: (body: PolicyBody, isKnownTool: IsKnownTool) => PolicyResult,
): Promise<PolicyVersion> {
  const { name, actorId } = checked(rawName, change);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const latest = await rt.withEm('readPolicy', (em) => findLatestPolicy(em, name));
    if (!latest) throw new PolicyError(`unknown policy "${name}"`);
    const body = valid(edit(latest.body as PolicyBody, knownTools(rt)));
    const stored = await store(rt, name, latest.version + 1, body, actorId);
    if (stored) return stored;
  }
  throw new PolicyError(`policy "${name}" kept changing; try again`);
}

// The parts an edit takes, checked before they reach the body (the body's own rules follow).
const editArgs = {
  path: casePathSchema,
  tools: z.array(z.string()).max(1_000),
  part: z.record(z.string(), z.unknown()),
};

function arg<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new PolicyError(`${what}: ${z.prettifyError(parsed.error)}`, parsed.error.issues);
  }
  return parsed.data;
}

/** The policy edits the facade offers; each writes a new version. */
export const policyEdits = {
  async setAllowlist(
    rt: GovernanceRuntime,
    name: unknown,
    casePath: unknown,
    tools: unknown,
    change: unknown,
  ) {
    const path = arg(editArgs.path, casePath, 'casePath');
    const list = arg(editArgs.tools, tools, 'tools');
    return editPolicy(rt, name, change, (body, known) => withAllowlist(body, path, list, known));
  },
  async setBudget(
    rt: GovernanceRuntime,
    name: unknown,
    casePath: unknown,
    budget: unknown,
    change: unknown,
  ) {
    const path = arg(editArgs.path, casePath, 'casePath');
    const limits = arg(editArgs.part, budget, 'budget') as BudgetLimits;
    return editPolicy(rt, name, change, (body) => withBudget(body, path, limits));
  },
  async setTimeoutPolicy(rt: GovernanceRuntime, name: unknown, timeouts: unknown, change: unknown) {
    const part = arg(editArgs.part, timeouts, 'timeouts') as TimeoutPolicy;
    return editPolicy(rt, name, change, (body) => withTimeouts(body, part));
  },
  async requireApproval(rt: GovernanceRuntime, name: unknown, point: unknown, change: unknown) {
    const part = arg(editArgs.part, point, 'approval point') as ApprovalPoint;
    return editPolicy(rt, name, change, (body, known) => withApprovalPoint(body, part, known));
  },
};

/** A policy version, or the newest when `version` is absent; null when there is none. */
export async function getPolicy(
  rt: GovernanceRuntime,
  name: string,
  version?: number,
): Promise<PolicyVersion | null> {
  const row = await rt.withEm('readPolicy', (em) =>
    version === undefined ? findLatestPolicy(em, name) : findPolicy(em, name, version),
  );
  return row ? toVersion(row) : null;
}
