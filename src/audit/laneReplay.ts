import { approvalLanePersistence } from '../../machines/laneSnapshot.js';
import { restoreSnapshot, runPersistedCycle } from '../../machines/persistedActor.js';
import type { CycleState } from '../../machines/persistedActor.js';
import type { LaneEvent, LaneInput } from '../../machines/laneTypes.js';
import type { EventRow, LaneRow } from '../../persistence/rows.js';
import { laneRow } from '../lanes/laneTransition.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every state of a lane replayed from its chain, or the event where the replay broke. */
export type LaneChainReplay =
  | { ok: true; states: CycleState<typeof approvalLanePersistence.machine>[] }
  | { ok: false; event: EventRow | null; detail: string };

/**
 * Replays one lane from its chained events alone: the opening's lane input, then the lane
 * event each later row records, through the lane machine. Each row must be the one audit
 * event the machine emits at that step, by the same actor. What the replay reaches is what
 * the chain proves, whatever the lane's row says.
 */
export function replayLaneChain(
  laneId: string,
  events: readonly EventRow[],
  expected: { proposalId: string; proposerId: string },
): LaneChainReplay {
  const fail = (event: EventRow | null, detail: string): LaneChainReplay => ({
    ok: false,
    event,
    detail,
  });
  const [opening, ...later] = events;
  const laneInput = isObject(opening?.payload) ? opening.payload.laneInput : undefined;
  if (!opening || !isObject(laneInput)) return fail(opening ?? null, 'the lane has no opening');
  if (
    laneInput.laneId !== laneId ||
    laneInput.proposalId !== expected.proposalId ||
    laneInput.proposerId !== expected.proposerId
  )
    return fail(opening, 'the opening names another lane, proposal or proposer');
  const recorded = later.map((e) => (isObject(e.payload) ? e.payload.event : undefined));
  const unreplayable = recorded.findIndex((e) => !isObject(e) || typeof e.type !== 'string');
  if (unreplayable >= 0)
    return fail(later[unreplayable]!, 'the event records no lane event to replay');
  const replay = runPersistedCycle(
    approvalLanePersistence.machine,
    { input: laneInput as unknown as LaneInput },
    recorded as unknown as LaneEvent[],
  );
  if (!replay.ok) return fail(opening, `the lane machine cannot replay it: ${replay.detail}`);
  const states = [replay.start, ...replay.states];
  for (const [i, event] of events.entries()) {
    const audits = states[i]!.effects.filter((e) => e.type === 'audit');
    const audit = audits.length === 1 ? audits[0]! : null;
    if (!audit || audit.event !== event.type || audit.actorId !== event.actorId)
      return fail(event, `the lane machine does not take this ${event.type} here`);
  }
  return { ok: true, states };
}

/**
 * Whether two values stand for the same JSON: key order aside, a member whose value is
 * undefined counts as absent (as it is once stored). A walk, not two canonical texts: it
 * runs before every claim.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isObjectLike(a) || !isObjectLike(b)) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => sameJson(v, b[i]));
  }
  let members = 0;
  for (const key in a) {
    if (a[key] === undefined) continue;
    members += 1;
    if (!sameJson(a[key], b[key])) return false;
  }
  for (const key in b) if (b[key] !== undefined) members -= 1;
  return members === 0;
}

const isObjectLike = (v: unknown): v is Json => typeof v === 'object' && v !== null;

/** A lane's row as its chain leads to, or where the chain and the stored row part. */
export type ReplayedLaneRow =
  | { ok: true; row: LaneRow; states: CycleState<typeof approvalLanePersistence.machine>[] }
  | { ok: false; event: EventRow | null; detail: string };

// The columns that mirror the lane's state: what the chain decides and a row may not change.
const MIRRORED = [
  'status',
  'executionState',
  'version',
  'expiresAt',
  'decidedBy',
  'decisionReason',
  'decisionNote',
  'inputHash',
  'attempt',
  'leaseUntil',
  'retryAt',
] as const;

/**
 * Replays a lane's chained events (see {@link replayLaneChain}) and compares the stored row
 * with the row they lead to: every mirrored column, then the snapshot (restored, so an
 * earlier machine version compares as it upgrades). One replay serves both the worker's claim
 * and verification, so both hold the row to the same rule.
 */
export function replayLaneRow(
  stored: LaneRow,
  events: readonly EventRow[],
  expected: { proposalId: string; proposerId: string },
): ReplayedLaneRow {
  const replay = replayLaneChain(stored.id, events, expected);
  if (!replay.ok) return replay;
  const row = laneRow(stored, replay.states.at(-1)!, events.length, stored.updatedAt);
  const column = MIRRORED.find((c) => stored[c] !== row[c]);
  const differs = (what: string) =>
    ({
      ok: false,
      event: null,
      detail: `the lane's ${what} is not what its events lead to`,
    }) as const;
  if (column) return differs(column);
  const restored = restoreSnapshot(approvalLanePersistence, stored);
  if (!restored.ok || !sameJson(restored.snapshot, row.snapshot)) return differs('snapshot');
  return { ok: true, row, states: replay.states };
}
