import type { EventRow, LaneRow, ProposalRow } from '../../persistence/rows.js';
import { inputHash } from '../canonicalJson.js';
import { hashRulesOf, verifyChain } from './auditChain.js';
import type { HashRules } from './auditChain.js';
import { snapshotDisagreement, storedCallDigest } from './callDigest.js';
import type { AuditKeys } from './signing.js';
import { replayLaneChain, replayLaneRow } from './laneReplay.js';
import { recordedEdits } from './verifyEdits.js';

/** Which check found a problem. */
export type AuditCheck = 'chain' | 'signature' | 'digest' | 'replay' | 'checkpoint';

/** What is wrong with a trail. */
export type AuditProblem =
  | 'not_found'
  | 'edited'
  | 'removed'
  | 'reordered'
  | 'unsigned'
  | 'bad_signature'
  | 'unknown_key'
  | 'malformed'
  | 'digest_mismatch'
  | 'inconsistent'
  | 'rolled_back'
  | 'checkpoint_invalid';

/** Where a checkpoint covers a chain, and the proof that it does. */
export interface CheckpointCoverage {
  checkpointId: string;
  covered: boolean;
  /** The chain's head as the checkpoint recorded it. */
  seq: number | null;
  /** Siblings from the leaf to the root. */
  proof: { side: 'left' | 'right'; hash: string }[];
}

/** What `verifyAuditTrail` found: intact, or the first problem, with the check and the row. */
export type AuditVerification =
  | {
      ok: true;
      events: number;
      /** Signatures (with a signing key) or a checkpoint anchor the trail outside the database. */
      anchored: boolean;
      /** Rows hashed, and lanes opened, under the rules before call digests (verified by those). */
      legacy: { events: number; lanes: number };
      /** Events verified under each hash rule (older rules for events written before it). */
      hashRules: HashRules;
      checkpoint: CheckpointCoverage | null;
    }
  | {
      ok: false;
      problem: AuditProblem;
      check: AuditCheck;
      /** Position in the chain of the row (0 for the proposal row or a lane row). */
      seq: number;
      eventId: string | null;
      laneId: string | null;
      detail: string;
      anchored: boolean;
    };

type Failure = Extract<AuditVerification, { ok: false }>;
type Found = Omit<Failure, 'ok' | 'anchored'>;

/** What a trail is verified against. */
export interface TrailFacts {
  proposal: ProposalRow;
  events: readonly EventRow[];
  lanes: readonly LaneRow[];
  keys: AuditKeys;
  /** The checkpoint's record of this chain, when one is given and covers it. */
  anchor: { seq: number; hash: string } | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const signatureProblems = new Set(['unsigned', 'bad_signature', 'unknown_key']);

function chainProblem(f: TrailFacts): Found | null {
  const { proposal, events, keys, anchor } = f;
  const head = { seq: proposal.auditSeq, hash: proposal.auditHead };
  const chain = verifyChain(events, head, { keys, anchoredThrough: anchor?.seq ?? 0 });
  if (chain.ok) return null;
  const check = signatureProblems.has(chain.problem) ? 'signature' : 'chain';
  return { ...chain, check, laneId: null, detail: `the chain is ${chain.problem} at ${chain.seq}` };
}

function anchorProblem(f: TrailFacts): Found | null {
  if (!f.anchor) return null;
  const at = f.events.find((e) => e.seq === f.anchor!.seq);
  if (f.proposal.auditSeq >= f.anchor.seq && at?.hash === f.anchor.hash) return null;
  return {
    problem: 'rolled_back',
    check: 'checkpoint',
    seq: f.anchor.seq,
    eventId: at?.id ?? null,
    laneId: null,
    detail: 'the chain no longer holds the head the checkpoint recorded',
  };
}

/** Every digest and input hash the chain recorded must be the stored proposal's. */
function digestProblem(f: TrailFacts): Found | null {
  const { proposal } = f;
  const fail = (event: EventRow | null, detail: string): Found => ({
    problem: 'digest_mismatch',
    check: 'digest',
    seq: event?.seq ?? 0,
    eventId: event?.id ?? null,
    laneId: event?.approvalId ?? null,
    detail,
  });
  const disagreement = snapshotDisagreement(proposal);
  if (disagreement) return fail(null, disagreement);
  const digest = storedCallDigest(proposal);
  const input = inputHash(proposal.inputSnapshot);
  // Approvers' edits put another input (and call) up for approval in their lane.
  const edits = recordedEdits(proposal, f.events);
  if (!edits.ok) return fail(edits.event, edits.detail);
  // A lane opened before digests existed binds none: a decision on it, recorded later,
  // carries a null digest. Only such lanes may.
  const legacyLanes = new Set(
    f.events.flatMap((e) => {
      const laneInput = isObject(e.payload) ? e.payload.laneInput : undefined;
      return isObject(laneInput) && !('callDigest' in laneInput) && e.approvalId
        ? [e.approvalId]
        : [];
    }),
  );
  for (const event of f.events) {
    const payload = isObject(event.payload) ? event.payload : {};
    const laneInput = isObject(payload.laneInput) ? payload.laneInput : {};
    const unbound = event.approvalId !== null && legacyLanes.has(event.approvalId);
    const edited = edits.byLane.get(event.approvalId ?? '');
    for (const recorded of [payload, laneInput]) {
      const exempt = unbound && recorded.callDigest === null;
      const ofEdit = (v: unknown) => recorded === payload && edited?.has(v) === true;
      if (
        !exempt &&
        'callDigest' in recorded &&
        recorded.callDigest !== digest &&
        !ofEdit(recorded.callDigest)
      )
        return fail(event, 'the stored call no longer has the digest the chain recorded');
      if ('inputHash' in recorded && recorded.inputHash !== input && !ofEdit(recorded.inputHash))
        return fail(event, 'the stored input no longer hashes to the input the chain recorded');
    }
  }
  return null;
}

/** Replays one lane's recorded events through the lane machine and compares its row. */
function laneProblem(f: TrailFacts, laneId: string, events: readonly EventRow[]): Found | null {
  const expected = { proposalId: f.proposal.id, proposerId: f.proposal.actorId };
  const fail = (event: EventRow | null, detail: string): Found => ({
    problem: 'inconsistent',
    check: 'replay',
    seq: event?.seq ?? 0,
    eventId: event?.id ?? null,
    laneId,
    detail,
  });
  const row = f.lanes.find((l) => l.id === laneId);
  if (!row) {
    const replay = replayLaneChain(laneId, events, expected);
    return fail(
      replay.ok ? null : replay.event,
      replay.ok ? 'the lane row is missing' : replay.detail,
    );
  }
  const replayed = replayLaneRow(row, events, expected);
  return replayed.ok ? null : fail(replayed.event, replayed.detail);
}

function replayProblem(f: TrailFacts): Found | null {
  const byLane = new Map<string, EventRow[]>();
  for (const e of f.events) {
    if (e.approvalId !== null) byLane.set(e.approvalId, [...(byLane.get(e.approvalId) ?? []), e]);
  }
  for (const [laneId, events] of byLane) {
    const problem = laneProblem(f, laneId, events);
    if (problem) return problem;
  }
  const orphan = f.lanes.find((l) => !byLane.has(l.id));
  if (!orphan) return null;
  return {
    problem: 'inconsistent',
    check: 'replay',
    seq: 0,
    eventId: null,
    laneId: orphan.id,
    detail: 'a lane row has no events in the chain',
  };
}

/**
 * Verifies a trail for links and for meaning: the chain (hashes, links, signatures), the
 * checkpoint's record of it, the digests it recorded against the stored proposal, and a
 * replay of each lane through the lane machine against the stored lane rows. Never throws
 * on a stored value: whatever cannot be read is reported as the row it is in.
 */
export function verifyTrail(f: TrailFacts): AuditVerification {
  const anchored = f.keys.anchored || f.anchor !== null;
  let found: Found | null;
  try {
    found = chainProblem(f) ?? anchorProblem(f) ?? digestProblem(f) ?? replayProblem(f);
  } catch (error) {
    found = {
      problem: 'malformed',
      check: 'replay',
      seq: 0,
      eventId: null,
      laneId: null,
      detail: `a stored value cannot be read: ${String(error)}`,
    };
  }
  if (found) return { ok: false, ...found, anchored };
  const legacyLanes = new Set(
    f.events
      .filter((e) => isObject(e.payload) && isObject(e.payload.laneInput))
      .filter((e) => !('callDigest' in (e.payload.laneInput as Json)))
      .map((e) => e.approvalId),
  );
  return {
    ok: true,
    events: f.events.length,
    anchored,
    legacy: {
      events: f.events.filter((e) => e.hashVersion === 1).length,
      lanes: legacyLanes.size,
    },
    hashRules: hashRulesOf(f.events),
    checkpoint: null,
  };
}
