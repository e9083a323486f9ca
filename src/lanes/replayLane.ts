import { createActor } from 'xstate';
import type { InspectionEvent } from 'xstate';
import { approvalLaneMachine } from '../../machines/approvalLane.machine.js';
import type { LaneEvent, LaneInput, LaneStatus } from '../../machines/laneTypes.js';
import { findLaneEvents } from '../../persistence/event.repository.js';
import { findLaneForStep } from '../../persistence/lane.repository.js';
import { canonicalJson } from '../canonicalJson.js';
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
 * Replays a lane from its audit events through a fresh actor, so an inspector (such as
 * Stately's) passed as `inspect` sees its whole history. Writes nothing.
 *
 * @example
 * await gov.replayLane(approvalId, { inspect: createBrowserInspector().inspect });
 */
export async function replayLane(
  rt: GovernanceRuntime,
  laneId: string,
  options: { inspect?: (event: InspectionEvent) => void } = {},
): Promise<LaneReplay> {
  const { found, events } = await rt.withEm('replayLane', async (em) => ({
    found: await findLaneForStep(em, laneId),
    events: await findLaneEvents(em, laneId),
  }));
  const opening = events[0]?.payload.laneInput;
  if (!found || !opening) return { ok: false, error: 'not_found' };
  const actor = createActor(approvalLaneMachine, {
    input: opening as unknown as LaneInput,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  actor.start();
  const later = events.slice(1).map((e) => e.payload.event as unknown as LaneEvent);
  for (const event of later) actor.send(event);
  const replayed = actor.getPersistedSnapshot();
  actor.stop();
  const consistent = canonicalJson(replayed) === canonicalJson(found.lane.snapshot);
  return { ok: true, status: found.lane.status as LaneStatus, events: later.length, consistent };
}
