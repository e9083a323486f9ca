import type { InspectionEvent } from 'xstate';
import { approvalLanePersistence } from '../../machines/laneSnapshot.js';
import { runPersistedCycle } from '../../machines/persistedActor.js';
import type { LaneEvent, LaneInput, LaneStatus } from '../../machines/laneTypes.js';
import { findLaneEvents } from '../../persistence/event.repository.js';
import { canonicalJson } from '../canonicalJson.js';
import { LaneSnapshotError } from '../errors/laneSnapshotError.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';

/** What replaying a lane's recorded events produced. */
export type LaneReplay =
  | {
      ok: true;
      status: LaneStatus;
      /** Events replayed after the opening. */
      events: number;
      /** The replayed snapshot equals the stored one. */
      consistent: boolean;
    }
  | { ok: false; error: 'not_found' };

/**
 * Replays a lane from its audit events through the persisted-actor cycle, one actor for the
 * whole history, so an inspector (such as Stately's) passed as `inspect` sees every
 * transition. Writes nothing.
 *
 * @example
 * const seen = [];
 * const replay = await gov.replayLane(approvalId, { inspect: (event) => seen.push(event.type) });
 */
export async function replayLane(
  rt: GovernanceRuntime,
  laneId: string,
  options: { inspect?: (event: InspectionEvent) => void } = {},
): Promise<LaneReplay> {
  const [found, events] = await Promise.all([
    rt.laneStore.read(laneId),
    rt.withEm('replayLane', (em) => findLaneEvents(em, laneId)),
  ]);
  const opening = events[0]?.payload.laneInput;
  if (!found || !opening) return { ok: false, error: 'not_found' };
  const later = events.slice(1).map((e) => e.payload.event as unknown as LaneEvent);
  const replayed = runPersistedCycle(
    approvalLanePersistence.machine,
    { input: opening as unknown as LaneInput },
    later,
    options,
  );
  if (!replayed.ok) {
    throw new LaneSnapshotError('machine_error', laneId, `lane ${replayed.detail}`, {
      cause: replayed.cause,
    });
  }
  const last = replayed.states.at(-1) ?? replayed.start;
  const consistent = canonicalJson(last.persisted) === canonicalJson(found.lane.snapshot);
  return { ok: true, status: found.lane.status as LaneStatus, events: later.length, consistent };
}
