import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { budgetRoom } from '../../machines/budgetLedger.js';
import type {
  BudgetAmount,
  BudgetLimits,
  CaseEvent,
  CasePath,
  CasePolicyRef,
  CaseStatus,
  GovernanceReceipt,
} from '../../machines/caseTypes.js';
import { findCaseEvents, findCaseWithEvents } from '../../persistence/case.repository.js';
import { findLatestPolicy, findPolicy } from '../../persistence/policy.repository.js';
import type { CaseRow } from '../../persistence/rows.js';
import { canonicalActorId, isReservedActorId } from '../actorIdentity.js';
import { caseChain, verifyChain } from '../audit/auditChain.js';
import type { ChainCheck } from '../audit/auditChain.js';
import { InvalidRequestError, parseRequest } from '../errors/invalidRequestError.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { caseIdSchema, idSchema } from '../pipeline/idSchema.js';
import { isStorableText } from '../pipeline/storableJson.js';
import type { CaseRecord } from './caseStore.js';
import { caseTrailProblem } from './caseTrail.js';
import type { CaseTrailProblem } from './caseTrail.js';
import { openingCase, transitionCase } from './caseTransition.js';
import type { PolicyBody } from '../../machines/caseTypes.js';

/** A case as hosts see it. */
export interface Case {
  id: string;
  status: CaseStatus;
  /** The policy version the case runs under, fixed when it was created. */
  policy: CasePolicyRef;
  conversationId: string | null;
  createdBy: string;
  createdAt: string;
  /** When the case times out; null without `timeouts.caseMs`. */
  deadline: string | null;
  closed: { by: string; at: string; reason: string | null } | null;
  updatedAt: string;
}

/** What `createCase` takes. */
export interface CreateCaseOptions {
  /**
   * The host's own key for the case (a run id, say): 1–200 printable characters, no control
   * or invisible character, no space at either end, kept exactly as given.
   * @default a random UUID
   */
  id?: string | undefined;
  /** The policy's name; the case runs under its current version. */
  policy: string;
  conversationId?: string | null | undefined;
  actorId: string;
}

/** What a case operation returns: the case as it now is, or why nothing changed. */
export type CaseResult =
  | { ok: true; case: Case }
  | {
      ok: false;
      error:
        'not_found' | 'unknown_policy' | 'duplicate' | 'case_closed' | 'invalid_event' | 'conflict';
      reason?: string;
    };

/** One budgeted level of a case: its limits, what is used and reserved, what is left. */
export interface BudgetLevelReport {
  path: CasePath;
  limit: BudgetLimits;
  used: BudgetAmount;
  reserved: BudgetAmount;
  /** Per set limit: `limit - used - reserved`; absent for an unlimited dimension. */
  remaining: Partial<Record<keyof BudgetLimits, number>>;
}

/** A case's ledger, level by level from `'/'` down. */
export interface BudgetReport {
  caseId: string;
  levels: BudgetLevelReport[];
}

const text = idSchema;
const createSchema = z.strictObject({
  id: caseIdSchema.optional(),
  policy: text.max(128),
  conversationId: text.nullish().transform((v) => v ?? null),
  actorId: text,
});
const completeSchema = z.strictObject({ actorId: text });
const cancelSchema = z.strictObject({
  actorId: text,
  reason: z.string().max(4_096).refine(isStorableText),
});

function actor(id: string): string {
  const canonical = canonicalActorId(id);
  if (isReservedActorId(canonical)) {
    throw new InvalidRequestError('actorId is reserved for countersign itself', [
      { code: 'custom', path: ['actorId'], message: 'reserved actor id', input: id },
    ]);
  }
  return canonical;
}

/** A case as hosts see it, from its row and the closing its machine recorded. */
export function toCase(row: CaseRow, closed: Case['closed']): Case {
  return {
    id: row.id,
    status: row.status as CaseStatus,
    policy: { name: row.policyName, version: row.policyVersion, hash: row.policyHash },
    conversationId: row.conversationId,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    deadline: row.deadline,
    closed,
    updatedAt: row.updatedAt,
  };
}

const view = (record: CaseRecord): Case => toCase(record.row, record.context.closed);

/** Creates a case under the current version of a named policy. */
export async function createCase(rt: GovernanceRuntime, options: unknown): Promise<CaseResult> {
  const req = parseRequest(createSchema, options, 'createCase options');
  const createdBy = actor(req.actorId);
  const policy = await rt.withEm('readPolicy', (em) => findLatestPolicy(em, req.policy));
  if (!policy) return { ok: false, error: 'unknown_policy', reason: `no policy "${req.policy}"` };
  const body = policy.body as PolicyBody;
  const at = rt.now();
  const caseMs = body.timeouts?.caseMs;
  const write = openingCase(
    {
      caseId: req.id ?? randomUUID(),
      policy: { name: policy.name, version: policy.version, hash: policy.hash },
      budgets: body.budgets ?? {},
      onBudgetExhausted: body.onBudgetExhausted ?? 'block',
      deadline: caseMs === undefined ? null : new Date(at.getTime() + caseMs).toISOString(),
      createdBy,
      at: at.toISOString(),
    },
    req.conversationId,
    rt.audit,
  );
  const inserted = await rt.cases.write('insert', write).catch((error: unknown) => {
    // A taken id breaks the primary key: the caller's duplicate, not a failure.
    if ((error as { sqlState?: string }).sqlState === '23505') return false;
    throw error;
  });
  if (!inserted) return { ok: false, error: 'duplicate', reason: 'a case with this id exists' };
  return { ok: true, case: toCase(write.row, null) };
}

export async function getCase(rt: GovernanceRuntime, caseId: string): Promise<Case | null> {
  const found = await rt.cases.read(caseId);
  return found ? view(found) : null;
}

// A case that keeps moving (budgets charged by many executions) is retried a few times.
const MAX_ATTEMPTS = 8;

/** Applies events to a case: read, run the machine, write with its events, retry a lost race. */
export async function applyCaseEvents(
  rt: GovernanceRuntime,
  caseId: string,
  events: (record: CaseRecord) => CaseEvent[],
): Promise<CaseResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const found = await rt.cases.read(caseId);
    if (!found) return { ok: false, error: 'not_found' };
    const transition = transitionCase(found.row, events(found), rt.audit);
    if (!transition.write) {
      const refused = transition.refused;
      if (!refused) return { ok: true, case: view(found) };
      return { ok: false, error: refused.error as 'case_closed', reason: refused.reason };
    }
    if (await rt.cases.write('update', transition.write)) {
      const { row } = transition.write;
      rt.cases.wrote({ row, context: transition.state.context, policy: found.policy });
      return { ok: true, case: toCase(row, transition.state.context.closed) };
    }
  }
  return { ok: false, error: 'conflict', reason: 'the case kept changing; try again' };
}

export async function completeCase(rt: GovernanceRuntime, caseId: string, options: unknown) {
  const { actorId } = parseRequest(completeSchema, options, 'completeCase options');
  const by = actor(actorId);
  return applyCaseEvents(rt, caseId, () => [
    { type: 'COMPLETE', actorId: by, at: rt.now().toISOString() },
  ]);
}

export async function cancelCase(rt: GovernanceRuntime, caseId: string, options: unknown) {
  const { actorId, reason } = parseRequest(cancelSchema, options, 'cancelCase options');
  const by = actor(actorId);
  return applyCaseEvents(rt, caseId, () => [
    { type: 'CANCEL', actorId: by, reason, at: rt.now().toISOString() },
  ]);
}

/** Every receipt recorded on a case, oldest first. */
export async function listReceipts(
  rt: GovernanceRuntime,
  caseId: string,
): Promise<GovernanceReceipt[]> {
  const events = await rt.withEm('listReceipts', (em) => findCaseEvents(em, caseId));
  return events.flatMap((e) => {
    const receipt = e.payload.receipt;
    return receipt && typeof receipt === 'object' ? [receipt as unknown as GovernanceReceipt] : [];
  });
}

/** The case's ledger per level, or null for an unknown case. */
export async function checkBudget(
  rt: GovernanceRuntime,
  caseId: string,
): Promise<BudgetReport | null> {
  const found = await rt.cases.read(caseId);
  if (!found) return null;
  const { ledger } = found.context;
  const levels = Object.entries(ledger.levels)
    .sort(([a], [b]) => a.split('/').length - b.split('/').length || a.localeCompare(b))
    .map(([path, level]) => ({
      path,
      ...level,
      remaining: budgetRoom(ledger, path).levels.find((l) => l.path === path)!.remaining,
    }));
  return { caseId, levels };
}

/**
 * What `verifyCaseTrail` found: the chain's own check, against the case row's head, then
 * its replay (`inconsistent`, naming the `field` that is not what the chain leads to), or
 * `not_found` for a case with neither a row nor events. An intact trail says which of its
 * parts were written under older rules (`legacy`).
 */
export type CaseTrailVerification = (
  | (Extract<ChainCheck, { ok: true }> & {
      legacy: { events: number; versionBounded: boolean };
    })
  | Extract<ChainCheck, { ok: false }>
  | ({ ok: false } & CaseTrailProblem)
  | { ok: false; problem: 'not_found'; seq: 0; eventId: null }
) & { caseId: string; anchored: boolean };

/**
 * Verifies a case's chain — hashes, links and (with a key) signatures, up to the row's head
 * — then replays it through the case machine and compares the stored row with it.
 */
export async function verifyCaseTrail(
  rt: GovernanceRuntime,
  caseId: string,
): Promise<CaseTrailVerification> {
  // The row and its events as of one moment: a chain that moved on since is no problem.
  const found = await rt.withEm('verifyCaseTrail', (em) => findCaseWithEvents(em, caseId, 0));
  const anchored = rt.audit.anchored;
  if (!found.row && found.events.length === 0) {
    return { ok: false, problem: 'not_found', seq: 0, eventId: null, caseId, anchored };
  }
  // Events without their row have no head to hold them to: an empty head fails them.
  const head = found.row
    ? { seq: found.row.auditSeq, hash: found.row.auditHead }
    : { seq: 0, hash: '' };
  const check = verifyChain(found.events, head, { keys: rt.audit }, caseChain);
  if (!check.ok) return { ...check, caseId, anchored };
  const replayed = await caseTrailProblem(
    caseId,
    found.row,
    found.events,
    async (name, version) => {
      const stored = await rt.withEm('readPolicy', (em) => findPolicy(em, name, version));
      return (stored?.body as PolicyBody | undefined) ?? null;
    },
  );
  if ('problem' in replayed) return { ok: false, ...replayed, caseId, anchored };
  // Rows hashed under an older rule, and a case opened before its version counted only events.
  const events = found.events.filter((e) => e.hashVersion === 1).length;
  const legacy = { events, versionBounded: replayed.versionBounded };
  return { ...check, legacy, caseId, anchored };
}
