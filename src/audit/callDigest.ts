import type { ApprovalQuorum } from '../../machines/laneTypes.js';
import { canonicalJson, sha256 } from '../canonicalJson.js';

/** What of a tool's definition decides under which rules a call runs. */
export interface GovernedToolFacts {
  name: string;
  version: string;
  riskTier: string;
  approvalMode: string;
  requiredScopes: readonly string[];
  timeoutMs: number;
  idempotent: boolean;
  cost: number;
  /** A tool that needs several approvers; absent on tools that need one. */
  approvals?: ApprovalQuorum | null;
}

/** Everything that decides what runs and under which rules. */
export interface CallFacts {
  tool: GovernedToolFacts;
  /** The canonical validated input, exactly as it will be passed to `run`. */
  input: unknown;
  proposerId: string;
  conversationId: string | null;
  caseId: string | null;
  /** The hash of the case's policy version, once the call belongs to a case. */
  policyVersionHash?: string | null;
  /** The region of the case the call was made in; absent outside a case. */
  casePath?: string | null;
}

/** SHA-256 of a tool's governance-relevant definition: risk, mode, scopes, limits, cost. */
export function toolFingerprint(tool: GovernedToolFacts): string {
  return sha256(
    canonicalJson({
      riskTier: tool.riskTier,
      approvalMode: tool.approvalMode,
      requiredScopes: [...tool.requiredScopes].sort(),
      timeoutMs: tool.timeoutMs,
      idempotent: tool.idempotent,
      cost: tool.cost,
      // Only quorum tools name one, so fingerprints of the others stay as they were.
      ...(tool.approvals ? { approvals: tool.approvals } : {}),
    }),
  );
}

/**
 * The call digest: SHA-256 over the tool's name, version and fingerprint, the canonical
 * input, the proposer, the conversation and case, and the case's policy version. A lane
 * records it when it opens, every decision records the digest it approves, and the
 * execution worker recomputes it from the tool it is about to call and the input it is
 * about to pass: any difference refuses the run.
 */
export function callDigest(facts: CallFacts): string {
  return sha256(
    canonicalJson({
      digest: 'countersign.call/1',
      tool: {
        name: facts.tool.name,
        version: facts.tool.version,
        fingerprint: toolFingerprint(facts.tool),
      },
      input: facts.input,
      proposerId: facts.proposerId,
      conversationId: facts.conversationId,
      caseId: facts.caseId,
      policyVersionHash: facts.policyVersionHash ?? null,
      // Only calls in a case name a path, so digests of calls outside cases stay as they were.
      ...(facts.casePath ? { casePath: facts.casePath } : {}),
    }),
  );
}

/** A proposal as stored: what its call digest is recomputed from. */
export interface StoredCall {
  toolName: string;
  toolVersion: string;
  riskTier: string;
  approvalMode: string;
  toolSnapshot: Record<string, unknown>;
  inputSnapshot: unknown;
  actorId: string;
  conversationId: string | null;
  caseId: string | null;
  /** Where a call in a case records its path and policy version. */
  actorSnapshot?: Record<string, unknown> | null;
}

/** The case path and policy version hash a stored call in a case recorded. */
export function caseFacts(actorSnapshot: unknown): {
  casePath: string | null;
  policyVersionHash: string | null;
} {
  const s = (actorSnapshot ?? {}) as { casePath?: unknown; casePolicy?: { hash?: unknown } | null };
  return {
    casePath: typeof s.casePath === 'string' ? s.casePath : null,
    policyVersionHash: typeof s.casePolicy?.hash === 'string' ? s.casePolicy.hash : null,
  };
}

/**
 * The call digest of a stored proposal: name, version, risk tier and approval mode from its
 * columns (what the runtime acts on), the rest of the definition from its tool snapshot;
 * with `edit`, of the same call with an approver's edited input at its judged cost.
 * Never throws: a malformed snapshot yields a digest that matches nothing recorded.
 */
export function storedCallDigest(p: StoredCall, edit?: { input: unknown; cost: number }): string {
  const snapshot = p.toolSnapshot ?? {};
  const scopes = snapshot.requiredScopes;
  return callDigest({
    tool: {
      name: p.toolName,
      version: p.toolVersion,
      riskTier: p.riskTier,
      approvalMode: p.approvalMode,
      requiredScopes: Array.isArray(scopes) ? scopes.map(String) : [String(scopes)],
      timeoutMs: snapshot.timeoutMs as number,
      idempotent: snapshot.idempotent as boolean,
      cost: edit ? edit.cost : (snapshot.cost as number),
      approvals: (snapshot.approvals as ApprovalQuorum | undefined) ?? null,
    },
    input: edit ? edit.input : p.inputSnapshot,
    proposerId: p.actorId,
    conversationId: p.conversationId,
    caseId: p.caseId,
    ...caseFacts(p.actorSnapshot),
  });
}

/** Where a stored tool snapshot names another tool than the proposal's columns, or null. */
export function snapshotDisagreement(p: StoredCall): string | null {
  const snapshot = p.toolSnapshot ?? {};
  for (const [field, column] of [
    ['name', p.toolName],
    ['version', p.toolVersion],
    ['riskTier', p.riskTier],
    ['approvalMode', p.approvalMode],
  ] as const) {
    if (snapshot[field] !== column) return `tool snapshot ${field} differs from the proposal's`;
  }
  return null;
}
