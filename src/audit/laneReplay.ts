import { approvalLanePersistence } from '../../machines/laneSnapshot.js';
import { runPersistedCycle } from '../../machines/persistedActor.js';
import type { CycleState } from '../../machines/persistedActor.js';
import type { LaneEvent, LaneInput } from '../../machines/laneTypes.js';
import type { EventRow } from '../../persistence/rows.js';

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
