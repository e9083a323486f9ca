import type { ChainedLane } from './chainedLane.js';

/** What the proposal's chain authorises for a lane: the approved digest (null: a legacy lane). */
export type RunAuthority = { ok: true; digest: string | null } | { ok: false; reason: string };

type Payload = Record<string, unknown> | null | undefined;
const field = (payload: Payload, key: string): unknown =>
  payload && typeof payload === 'object' ? payload[key] : undefined;

/**
 * Reads the authority to run a lane from its proposal's chain, never from the lane's
 * columns or snapshot: the chain must be intact up to the proposal's head (and signed,
 * with a key); the lane's opening, and the proposal's first event where it records one,
 * must carry one call digest; and the lane, replayed through its machine from the chain's
 * events alone (see claimableLane), must hold an approval — with its four-eyes, role and
 * quorum rules, and any edit an approver made — of the input about to run, by someone other
 * than the proposer (for an `auto` tool, by `system:auto`). The approved digest is the
 * opening's, or an edit's. Lanes opened before digests existed are authorised by the input hash.
 */
export function runAuthority(
  chained: ChainedLane,
  /** The hash of the input about to run. */
  hash: string,
  autoTool: boolean,
): RunAuthority {
  const { found, prefix, events } = chained;
  if (chained.broken) return { ok: false, reason: `the audit chain is broken (${chained.broken})` };
  const opening = field(events[0]?.payload, 'laneInput') as Payload;
  if (!opening) return { ok: false, reason: 'the chain does not record the lane opening' };
  const digest = field(opening, 'callDigest');
  const legacy = digest === undefined;
  const proposed = field(prefix[0]?.payload, 'callDigest');
  if (!legacy && (typeof digest !== 'string' || (proposed !== undefined && proposed !== digest)))
    return { ok: false, reason: 'the lane was opened for another call than was proposed' };
  // Votes or an edit written into the row behind the machine's back are not in the chain.
  const decision = chained.state.context.decision;
  if (decision?.kind !== 'approved')
    return { ok: false, reason: 'the chain holds no approval of this lane' };
  if (decision.inputHash !== hash) return { ok: false, reason: 'the approval is of another input' };
  const auto = decision.actorId === 'system:auto';
  if (
    auto
      ? !autoTool || field(opening, 'autoApprovedBy') !== 'system:auto'
      : decision.actorId === found.proposerId
  )
    return { ok: false, reason: 'the approval is not by someone other than the proposer' };
  if (legacy) return { ok: true, digest: null };
  if (typeof decision.callDigest !== 'string')
    return { ok: false, reason: 'the approval is of another call' };
  return { ok: true, digest: decision.callDigest };
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
