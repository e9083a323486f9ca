import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import type { EventRow } from '../../persistence/rows.js';
import { verifyChain } from '../audit/auditChain.js';
import { callDigest } from '../audit/callDigest.js';
import type { AuditKeys } from '../audit/signing.js';
import { inputHash } from '../canonicalJson.js';
import { snapshotTool } from '../pipeline/validate.js';
import { costOf } from '../tools/defineTool.js';
import type { ToolDefinition } from '../tools/defineTool.js';

/** What the proposal's chain authorises for a lane: the approved digest (null: a legacy lane). */
export type RunAuthority = { ok: true; digest: string | null } | { ok: false; reason: string };

type Payload = Record<string, unknown> | null | undefined;
const field = (payload: Payload, key: string): unknown =>
  payload && typeof payload === 'object' ? payload[key] : undefined;

/**
 * Reads the authority to run a lane from its proposal's chain, never from the lane's
 * columns or snapshot: the chain must be intact up to the proposal's head (and signed,
 * with a key); the lane's opening, and the proposal's first event where it records one,
 * must carry one call digest; and the chain must hold this lane's approval of that digest
 * and of the input about to run, by someone other than the proposer (for an `auto` tool,
 * by `system:auto`). Lanes opened before digests existed are authorised by the input hash.
 */
export function runAuthority(
  events: readonly EventRow[],
  found: LaneWithProposal,
  keys: AuditKeys,
  autoTool: boolean,
): RunAuthority {
  // Events read after the lane may run past the head it was read with; the prefix up to that
  // head is what the lane's transition will extend.
  const prefix = events.filter((e) => e.seq <= found.head.seq);
  const chain = verifyChain(prefix, found.head, { keys });
  if (!chain.ok) return { ok: false, reason: `the audit chain is broken (${chain.problem})` };
  const lane = prefix.filter((e) => e.approvalId === found.lane.id);
  const opening = field(lane[0]?.payload, 'laneInput') as Payload;
  if (!opening) return { ok: false, reason: 'the chain does not record the lane opening' };
  const digest = field(opening, 'callDigest');
  const legacy = digest === undefined;
  const proposed = field(prefix[0]?.payload, 'callDigest');
  if (!legacy && (typeof digest !== 'string' || (proposed !== undefined && proposed !== digest)))
    return { ok: false, reason: 'the lane was opened for another call than was proposed' };
  const approval = lane.find((e) => e.type === 'approved');
  if (!approval) return { ok: false, reason: 'the chain holds no approval of this lane' };
  if (field(approval.payload, 'inputHash') !== inputHash(found.inputSnapshot))
    return { ok: false, reason: 'the approval is of another input' };
  if (!legacy && field(approval.payload, 'callDigest') !== digest)
    return { ok: false, reason: 'the approval is of another call' };
  const auto = approval.actorId === 'system:auto';
  if (
    auto
      ? !autoTool || field(opening, 'autoApprovedBy') !== 'system:auto'
      : approval.actorId === found.proposerId
  )
    return { ok: false, reason: 'the approval is not by someone other than the proposer' };
  return { ok: true, digest: legacy ? null : (digest as string) };
}

/** The digest of the call a worker is about to make: the registered tool, the stored input. */
export function digestOfRun(tool: ToolDefinition, found: LaneWithProposal): string {
  // A cost function that fails now yields a cost no approval recorded: the run is refused.
  const cost = costOf(tool, found.inputSnapshot) ?? -1;
  const judged = snapshotTool(tool, cost);
  return callDigest({
    // A call an approval point routed to approval was judged (and approved) as one.
    tool: found.routedToApproval ? { ...judged, approvalMode: 'requires_approval' } : judged,
    input: found.inputSnapshot,
    proposerId: found.proposerId,
    conversationId: found.conversationId,
    caseId: found.caseId,
    casePath: found.casePath,
    policyVersionHash: found.casePolicyHash,
  });
}

/**
 * The digest the claim carries: the recomputed one when the chain approved exactly it; the
 * chain's own when the tool is not registered here (the lane then fails `tool_unavailable`
 * and nothing runs); null — refused as `call_mismatch` — when the chain does not authorise
 * this call. A legacy lane's claim carries the recomputed digest (its machine checks the
 * input hash only).
 */
export function claimDigest(authority: RunAuthority, recomputed: string | null): string | null {
  if (!authority.ok) return null;
  if (authority.digest === null) return recomputed ?? 'legacy';
  if (recomputed === null) return authority.digest;
  return authority.digest === recomputed ? recomputed : null;
}
