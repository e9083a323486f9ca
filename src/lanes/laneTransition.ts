import { randomUUID } from 'node:crypto';
import type { InspectionEvent } from 'xstate';
import { currentInputHash } from '../../machines/approvalLaneGuards.js';
import { approvalLanePersistence } from '../../machines/laneSnapshot.js';
import { restoreSnapshot, runPersistedCycle } from '../../machines/persistedActor.js';
import type { CycleStart, CycleState } from '../../machines/persistedActor.js';
import type { LaneEffect, LaneEvent, LaneInput } from '../../machines/laneTypes.js';
import type { ActorWrite } from '../../persistence/actorWrite.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import type { AuditHead, LaneRow, StoredJson } from '../../persistence/rows.js';
import { chainEvents } from '../audit/auditChain.js';
import type { AuditKeys } from '../audit/signing.js';
import { LaneSnapshotError } from '../errors/laneSnapshotError.js';
import type { LaneError, LaneResult } from './laneResult.js';

type LaneMachine = typeof approvalLanePersistence.machine;
export type LaneState = CycleState<LaneMachine>;

// What an event that no transition of the current state accepts means to its sender.
const NOT_ACCEPTED: Record<LaneEvent['type'], LaneError> = {
  APPROVE: 'not_pending',
  REJECT: 'not_pending',
  DEFER: 'not_pending',
  EXPIRE: 'not_pending',
  RESUME: 'not_approved',
  ESCALATE: 'not_pending',
  DEFAULT_DECISION: 'not_pending',
  EXECUTION_CLAIMED: 'not_executing',
  EXECUTION_REFUSED: 'not_executing',
  EXECUTION_SUCCEEDED: 'not_executing',
  EXECUTION_FAILED: 'not_executing',
  EXECUTION_RETRY: 'not_executing',
};

/** What events did to one lane, before anything is written: a refusal, or the write. */
export type LaneTransition =
  | { write: null; result: Extract<LaneResult, { ok: false }> }
  | { write: ActorWrite<LaneRow>; effects: LaneEffect[]; next: LaneWithProposal };

/** The lane's row after `state`: the snapshot and the columns that mirror it. */
export function laneRow(
  base: Pick<LaneRow, 'id' | 'proposalId' | 'createdAt'>,
  state: LaneState,
  version: number,
  at: string,
): LaneRow {
  const { context, value } = state;
  const status = typeof value === 'string' ? value : Object.keys(value)[0]!;
  const inner = typeof value === 'string' ? null : Object.values(value)[0];
  return {
    ...base,
    status,
    executionState: typeof inner === 'string' ? inner : null,
    snapshot: state.persisted as Record<string, StoredJson>,
    machineId: approvalLanePersistence.id,
    machineVersion: approvalLanePersistence.version,
    version,
    expiresAt: context.expiresAt,
    decidedBy: context.decision?.actorId ?? null,
    decisionReason: context.decision?.reason ?? null,
    decisionNote: context.decision?.note ?? null,
    // The input up for approval (an approver's edit, once there is one).
    inputHash: currentInputHash(context),
    attempt: context.attempt,
    leaseUntil: context.leaseUntil,
    retryAt: context.retryAt,
    updatedAt: at,
  };
}

/** Audit drafts of a transition; each carries what replays it (the lane input, or the event). */
function auditDrafts(
  laneId: string,
  effects: readonly LaneEffect[],
  cause: { laneInput: LaneInput } | { event: LaneEvent },
) {
  return effects.flatMap((e) =>
    e.type === 'audit'
      ? [
          {
            type: e.event,
            actorId: e.actorId,
            approvalId: laneId,
            createdAt: e.at,
            payload: { ...e.data, ...cause },
          },
        ]
      : [],
  );
}

/** Runs the one persisted-actor cycle; a machine that fails is a {@link LaneSnapshotError}. */
function cycle(
  laneId: string,
  start: CycleStart<LaneMachine>,
  events: readonly LaneEvent[],
  inspect: ((event: InspectionEvent) => void) | undefined,
) {
  const result = runPersistedCycle(approvalLanePersistence.machine, start, events, { inspect });
  if (!result.ok) {
    throw new LaneSnapshotError('machine_error', laneId, `lane ${result.detail}`, {
      cause: result.cause,
    });
  }
  return result;
}

/**
 * Runs the machine for `events` on a lane as read: each is applied to the lane as the one
 * before left it, and all are written together (version + 1 each, their audit events in
 * order), or none if any is refused or not accepted.
 */
/** What a transition needs besides the lane: the inspector and the keys that sign heads. */
export interface TransitionOptions {
  inspect: ((event: InspectionEvent) => void) | undefined;
  keys: AuditKeys;
}

export function transitionLane(
  found: LaneWithProposal,
  events: readonly LaneEvent[],
  { inspect, keys }: TransitionOptions,
): LaneTransition {
  const { lane } = found;
  if (events.length === 0) throw new Error('transitionLane needs at least one event');
  const restored = restoreSnapshot(approvalLanePersistence, lane);
  if (!restored.ok) throw new LaneSnapshotError(restored.error, lane.id, restored.detail);
  const { states } = cycle(lane.id, { snapshot: restored.snapshot }, events, inspect);
  let head = found.head;
  const written: ActorWrite<LaneRow>['events'][number][] = [];
  const effects: LaneEffect[] = [];
  for (const [i, event] of events.entries()) {
    const state = states[i]!;
    const refused = state.effects.find((e) => e.type === 'refused');
    if (refused)
      return { write: null, result: { ok: false, error: refused.error, reason: refused.reason } };
    const drafts = auditDrafts(lane.id, state.effects, { event });
    if (drafts.length === 0)
      return { write: null, result: { ok: false, error: NOT_ACCEPTED[event.type] } };
    const chained = chainEvents(lane.proposalId, head, drafts, randomUUID, keys);
    head = chained.head;
    written.push(...chained.events);
    effects.push(...state.effects);
  }
  // Each event moves the version by one; only the last state is stored.
  const row = laneRow(lane, states.at(-1)!, lane.version + events.length, events.at(-1)!.at);
  return {
    write: {
      row,
      expectedVersion: lane.version,
      expectedSeq: found.head.seq,
      head,
      events: written,
    },
    effects,
    next: { ...found, lane: row, head },
  };
}

/** A new lane from `laneInput`: its first row and the events that record the opening. */
export function openingTransition(
  laneInput: LaneInput,
  head: AuditHead,
  { inspect, keys }: TransitionOptions,
): { write: ActorWrite<LaneRow>; effects: LaneEffect[] } {
  const { start } = cycle(laneInput.laneId, { input: laneInput }, [], inspect);
  const { laneId: id, proposalId, at } = laneInput;
  const row = laneRow({ id, proposalId, createdAt: at }, start, 1, at);
  const chained = chainEvents(
    proposalId,
    head,
    auditDrafts(id, start.effects, { laneInput }),
    randomUUID,
    keys,
  );
  return {
    write: {
      row,
      expectedVersion: 0,
      expectedSeq: head.seq,
      head: chained.head,
      events: chained.events,
    },
    effects: start.effects,
  };
}
