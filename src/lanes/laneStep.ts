import { createActor } from 'xstate';
import type { InspectionEvent, Snapshot } from 'xstate';
import { approvalLaneMachine } from '../../machines/approvalLane.machine.js';
import type { LaneContext, LaneEffect, LaneEvent, LaneInput } from '../../machines/laneTypes.js';
import { LaneSnapshotError } from '../errors/laneSnapshotError.js';

/** What one event did to a lane: the snapshot to persist and the effects it declared. */
export interface LaneStep {
  persisted: Record<string, unknown>;
  context: LaneContext;
  status: string;
  executionState: string | null;
  effects: LaneEffect[];
}

/**
 * The stateless cycle: create the actor (fresh from `input`, or restored from `snapshot`),
 * send at most one event, read the persisted snapshot, stop. No actor outlives the call.
 */
export function runLaneStep(
  laneId: string,
  from: { snapshot: Snapshot<unknown> } | { input: LaneInput },
  event: LaneEvent | null,
  inspect?: (event: InspectionEvent) => void,
): LaneStep {
  const effects: LaneEffect[] = [];
  let failure: unknown = null;
  const options = inspect ? { inspect } : {};
  const actor =
    'snapshot' in from
      ? // A restored actor ignores input; the machine's type asks for one all the same.
        createActor(approvalLaneMachine, {
          snapshot: from.snapshot,
          input: undefined as never,
          ...options,
        })
      : createActor(approvalLaneMachine, { input: from.input, ...options });
  actor.on('*', (effect) => effects.push(effect));
  // Without an error observer XState rethrows asynchronously, out of reach of the caller.
  actor.subscribe({ error: (error) => (failure = error) });
  actor.start();
  // A finished lane takes no events; not sending spares XState's stopped-actor warning.
  if (event && actor.getSnapshot().status === 'active') actor.send(event);
  const snapshot = actor.getSnapshot();
  const persisted = actor.getPersistedSnapshot() as unknown as Record<string, unknown>;
  actor.stop();
  if (failure !== null || snapshot.status === 'error') {
    throw new LaneSnapshotError(
      'machine_error',
      laneId,
      `lane machine failed: ${String(failure)}`,
      {
        cause: failure,
      },
    );
  }
  const value = snapshot.value;
  const status = typeof value === 'string' ? value : Object.keys(value)[0]!;
  const inner = typeof value === 'string' ? null : Object.values(value)[0];
  return {
    persisted: JSON.parse(JSON.stringify(persisted)) as Record<string, unknown>,
    context: snapshot.context,
    status,
    executionState: typeof inner === 'string' ? inner : null,
    effects,
  };
}
