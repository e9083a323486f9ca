import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { insertProposal, findProposalByKey } from '../../persistence/proposal.repository.js';
import type { CaseGuard, ProposalInsert } from '../../persistence/proposal.repository.js';
import type { CaseRecord } from '../cases/caseStore.js';
import type { ProposalRow, StoredJson } from '../../persistence/rows.js';
import { GENESIS_HASH, chainEvents } from '../audit/auditChain.js';
import { storedCallDigest } from '../audit/callDigest.js';
import { canonicalJson, sha256, toJsonValue } from '../canonicalJson.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import type { ProposalRequest } from '../pipeline/proposalRequest.js';
import { storableCopy } from '../pipeline/storableJson.js';
import { validateCall } from '../pipeline/validateCall.js';
import type { BlockedOutcome, ValidatedAttrs, ValidationResult } from '../pipeline/validate.js';
import { publish } from '../telemetry.js';
import { inSpan } from '../tracing.js';
import type { GovernanceReceipt } from '../../machines/caseTypes.js';
import { applyCaseEvents } from '../cases/cases.js';
import { toProposal } from './proposalView.js';
import type { Proposal } from './proposalView.js';

/** What `propose` returns. A blocked known tool still has a stored proposal. */
export type ProposeResult =
  | { ok: true; proposal: Proposal; duplicate: boolean }
  | { ok: false; outcome: 'unsupported'; reason: 'unknown_tool'; proposal: null }
  | {
      ok: false;
      outcome: Exclude<BlockedOutcome, 'unsupported'>;
      reason: string;
      issues?: z.core.$ZodIssue[];
      proposal: Proposal;
    };

type Blocked = Extract<ValidationResult, { ok: false }>;

/** What a trace records of a proposal's outcome. */
function proposeAttributes(result: ProposeResult): Record<string, string | boolean> {
  if (result.ok) {
    return {
      'countersign.proposal_id': result.proposal.id,
      'countersign.tool': result.proposal.toolName,
      'countersign.duplicate': result.duplicate,
    };
  }
  return { 'countersign.outcome': result.outcome };
}

/** The key under which identical calls collapse into one proposal. */
export function idempotencyKey(req: ProposalRequest, attrs: ValidatedAttrs): string {
  const { name, version } = attrs.toolSnapshot;
  return sha256(
    canonicalJson({
      tool: `${name}@${version}`,
      actorId: req.actorId,
      input: attrs.inputSnapshot,
      conversationId: req.context.conversationId,
      caseId: req.context.caseId,
      callerKey: req.context.idempotencyKey ?? null,
      // Calls at different paths of a case are different calls (keys outside cases unchanged).
      ...(req.context.caseId ? { casePath: req.context.casePath } : {}),
    }),
  );
}

function proposalRow(
  req: ProposalRequest,
  id: string,
  createdAt: string,
  fields: Pick<
    ProposalRow,
    | 'status'
    | 'blockedOutcome'
    | 'blockedReason'
    | 'blockedIssues'
    | 'riskTier'
    | 'approvalMode'
    | 'idempotencyKey'
    | 'toolSnapshot'
    | 'inputSnapshot'
    | 'actorSnapshot'
  >,
): ProposalRow {
  return {
    id,
    toolName: (fields.toolSnapshot.name as string) ?? '',
    toolVersion: (fields.toolSnapshot.version as string) ?? '',
    actorId: req.actorId,
    conversationId: req.context.conversationId,
    caseId: req.context.caseId,
    auditSeq: 1,
    auditHead: '',
    createdAt,
    ...fields,
  };
}

/**
 * Stores the proposal with its first event in one statement, in a case only if the case is
 * still at `guard`'s version; see {@link insertProposal} for what else it may answer.
 */
async function store(
  rt: GovernanceRuntime,
  row: ProposalRow,
  type: string,
  payload: Record<string, unknown>,
  guard: CaseGuard | null,
) {
  // The first event records the call digest, so the chain binds what was proposed.
  const recorded = { ...payload, callDigest: storedCallDigest(row) };
  const { events, head } = chainEvents(
    row.id,
    { seq: 0, hash: GENESIS_HASH },
    [{ type, actorId: row.actorId, approvalId: null, payload: recorded, createdAt: row.createdAt }],
    randomUUID,
    rt.audit,
  );
  const complete = { ...row, auditSeq: head.seq, auditHead: head.hash };
  const inserted = await rt.withEm('propose', (em) =>
    insertProposal(em, complete, events[0]!, guard),
  );
  return { inserted, row: complete };
}

async function storeBlocked(
  rt: GovernanceRuntime,
  req: ProposalRequest,
  result: Blocked,
  guard: CaseGuard | null,
): Promise<Proposal | CaseMoved> {
  const tool = result.tool!;
  // A policy's reason and zod's issues may quote the input: store them in a storable form.
  const reason = storableCopy(result.reason) as string;
  const row = proposalRow(req, randomUUID(), rt.now().toISOString(), {
    status: 'blocked',
    blockedOutcome: result.outcome,
    blockedReason: reason,
    blockedIssues: result.issues
      ? (toJsonValue(storableCopy(result.issues)) as StoredJson[])
      : null,
    riskTier: tool.riskTier,
    approvalMode: tool.approvalMode,
    idempotencyKey: null,
    toolSnapshot: toJsonValue(tool) as Record<string, StoredJson>,
    inputSnapshot: result.inputSnapshot,
    actorSnapshot: toJsonValue(result.actor) as Record<string, StoredJson>,
  });
  const receipt = caseReceipt(req, result.outcome, reason, row);
  const payload = { outcome: result.outcome, reason, ...(receipt ? { receipt } : {}) };
  const { inserted, row: stored } = await store(rt, row, 'proposal_blocked', payload, guard);
  if (!inserted.inserted && inserted.reason === 'case_moved') return inserted;
  // The case keeps its own copy of every refusal it caused, in its own chain.
  if (receipt) {
    // A policy that cancels on an exhausted budget does so whichever gate found it spent.
    await applyCaseEvents(rt, req.context.caseId!, ({ context }) => [
      { type: 'RECORD_RECEIPT', receipt, at: receipt.timestamp },
      ...(receipt.errorType === 'budget_exceeded' && context.onBudgetExhausted === 'cancel'
        ? [
            {
              type: 'CANCEL' as const,
              actorId: 'system:budget',
              reason: receipt.detail,
              at: receipt.timestamp,
            },
          ]
        : []),
    ]);
  }
  return toProposal(stored);
}

const caseOutcomes: ReadonlySet<string> = new Set([
  'case_closed',
  'allowlist_violation',
  'budget_exceeded',
]);

/** The governance receipt of a refusal by a case gate; null for any other refusal. */
function caseReceipt(
  req: ProposalRequest,
  outcome: BlockedOutcome,
  detail: string,
  row: ProposalRow,
): GovernanceReceipt | null {
  if (!req.context.caseId || !caseOutcomes.has(outcome)) return null;
  return {
    errorType: outcome as GovernanceReceipt['errorType'],
    scope: req.context.casePath,
    taskId: row.id,
    detail,
    timestamp: row.createdAt,
  };
}

/**
 * `validate` plus persistence: an unknown tool is reported and not stored; a blocked known
 * tool is stored as blocked with a `proposal_blocked` event; a valid call is stored with a
 * `proposal_created` event, or the existing proposal is returned for a duplicate key.
 */
export function propose(rt: GovernanceRuntime, req: ProposalRequest): Promise<ProposeResult> {
  return inSpan('countersign.propose', {}, async (span) => {
    const result = await proposeCall(rt, req);
    span.setAttributes(proposeAttributes(result));
    return result;
  });
}

// A call in a case is judged against the case as this process last saw it, and stored only
// if the case is still at that version: a case that moved comes back with the answer and the
// call is judged again, without a read of its own. The last round (a case that kept moving)
// is stored unguarded, judged against the case as it just came back, as after a read.
const CASE_ROUNDS = 4;

async function proposeCall(rt: GovernanceRuntime, req: ProposalRequest): Promise<ProposeResult> {
  const { caseId } = req.context;
  let kase = caseId === null ? undefined : await rt.cases.recent(caseId);
  for (let round = 1; ; round += 1) {
    const guard =
      kase && round < CASE_ROUNDS ? { caseId: kase.row.id, version: kase.row.version } : null;
    const stored = await proposeIn(rt, req, kase, guard);
    if (!('inserted' in stored)) return stored;
    kase = stored.kase ? await rt.cases.saw(stored.kase) : null;
  }
}

type CaseMoved = Extract<ProposalInsert, { reason: 'case_moved' }>;

/** One round of `propose`, judged against `kase` (undefined: outside a case). */
async function proposeIn(
  rt: GovernanceRuntime,
  req: ProposalRequest,
  kase: CaseRecord | null | undefined,
  guard: CaseGuard | null,
): Promise<ProposeResult | CaseMoved> {
  const result = await validateCall(rt, req, kase);
  if (!result.ok) {
    if (result.outcome === 'unsupported') {
      return { ok: false, outcome: 'unsupported', reason: 'unknown_tool', proposal: null };
    }
    const proposal = await storeBlocked(rt, req, result, guard);
    if ('inserted' in proposal) return proposal;
    return {
      ok: false,
      outcome: result.outcome,
      reason: result.reason,
      ...(result.issues ? { issues: result.issues } : {}),
      proposal,
    };
  }
  const { attrs } = result;
  const key = idempotencyKey(req, attrs);
  const row = proposalRow(req, randomUUID(), rt.now().toISOString(), {
    status: 'proposed',
    blockedOutcome: null,
    blockedReason: null,
    blockedIssues: null,
    riskTier: attrs.riskTier,
    approvalMode: attrs.approvalMode,
    idempotencyKey: key,
    toolSnapshot: attrs.toolSnapshot as unknown as Record<string, StoredJson>,
    inputSnapshot: attrs.inputSnapshot,
    actorSnapshot: attrs.actorSnapshot as unknown as Record<string, StoredJson>,
  });
  const payload = {
    riskTier: attrs.riskTier,
    approvalMode: attrs.approvalMode,
    idempotencyKey: key,
  };
  const { inserted, row: stored } = await store(rt, row, 'proposal_created', payload, guard);
  if (inserted.inserted) {
    publish('proposed', { proposalId: stored.id, tool: stored.toolName, actorId: stored.actorId });
    return { ok: true, proposal: toProposal(stored), duplicate: false };
  }
  if (inserted.reason === 'case_moved') return inserted;
  const existing = await rt.withEm('propose', async (em) => {
    const found = await findProposalByKey(em, key);
    // The key existed a moment ago and proposals are never deleted: the database is broken.
    if (!found) throw new Error(`proposal with idempotency key ${key} vanished`);
    return found;
  });
  publish('duplicate', {
    proposalId: existing.id,
    tool: existing.toolName,
    actorId: existing.actorId,
  });
  return { ok: true, proposal: toProposal(existing), duplicate: true };
}
