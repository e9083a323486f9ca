import { randomUUID } from 'node:crypto';
import {
  APPROVAL_LANE_MACHINE_ID,
  APPROVAL_LANE_MACHINE_VERSION,
} from '../../machines/approvalLane.machine.js';
import { restoreLaneSnapshot } from '../../machines/laneSnapshot.js';
import type { LaneEffect, LaneEvent, LaneInput } from '../../machines/laneTypes.js';
import type { LaneForStep, LaneWrite } from '../../persistence/lane.repository.js';
import type { AuditHead, LaneRow, StoredJson } from '../../persistence/rows.js';
import { jobNames } from '../../scheduler/jobNames.js';
import { chainEvents } from '../audit/auditChain.js';
import { LaneSnapshotError } from '../errors/laneSnapshotError.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import { publish } from '../telemetry.js';
import type { LaneError, LaneResult } from './laneResult.js';
import { runLaneStep } from './laneStep.js';
import type { LaneStep } from './laneStep.js';
import { toApproval } from './laneView.js';

// A lost race is retried against the new state, which usually turns it into a precise
// answer (`not_pending`); only a lane that keeps moving answers `conflict`.
const MAX_ATTEMPTS = 3;

// What an event that no transition of the current state accepts means to its sender.
const NOT_ACCEPTED: Record<LaneEvent['type'], LaneError> = {
  APPROVE: 'not_pending',
  REJECT: 'not_pending',
  DEFER: 'not_pending',
  EXPIRE: 'not_pending',
  RESUME: 'not_approved',
  EXECUTION_CLAIMED: 'not_executing',
  EXECUTION_SUCCEEDED: 'not_executing',
  EXECUTION_FAILED: 'not_executing',
  EXECUTION_RETRY: 'not_executing',
};

/** What one event did to one lane, before anything is written. */
type Plan =
  | { write: null; result: Extract<LaneResult, { ok: false }> }
  | { write: LaneWrite; effects: LaneEffect[]; next: LaneForStep };

function laneRow(
  base: Pick<LaneRow, 'id' | 'proposalId' | 'createdAt'>,
  step: LaneStep,
  version: number,
  at: string,
): LaneRow {
  const { context } = step;
  return {
    ...base,
    status: step.status,
    executionState: step.executionState,
    snapshot: step.persisted as Record<string, StoredJson>,
    machineId: APPROVAL_LANE_MACHINE_ID,
    machineVersion: APPROVAL_LANE_MACHINE_VERSION,
    version,
    expiresAt: context.expiresAt,
    decidedBy: context.decision?.actorId ?? null,
    decisionReason: context.decision?.reason ?? null,
    decisionNote: context.decision?.note ?? null,
    inputHash: context.inputHash,
    attempt: context.attempt,
    leaseUntil: context.leaseUntil,
    retryAt: context.retryAt,
    updatedAt: at,
  };
}

/** Audit drafts of a step; each carries what replays it (the lane input, or the event). */
function auditDrafts(
  laneId: string,
  effects: LaneEffect[],
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

/** Hands a committed step's jobs to the scheduler; a failure is reported, not thrown. */
async function enqueueJobs(laneId: string, effects: LaneEffect[], enqueue: Enqueue) {
  for (const effect of effects) {
    if (effect.type !== 'enqueue') continue;
    const runAt = effect.runAt ? new Date(effect.runAt) : null;
    const job = { name: jobNames[effect.job], laneId, runAt };
    try {
      await enqueue(job);
    } catch (error) {
      publish('enqueueFailed', { ...job, error });
    }
  }
}

/** Runs the machine for one event on a lane as read; decides what to write, if anything. */
function planLaneEvent(rt: GovernanceRuntime, found: LaneForStep, event: LaneEvent): Plan {
  const { lane, head } = found;
  const restored = restoreLaneSnapshot(lane);
  if (!restored.ok) throw new LaneSnapshotError(restored.error, lane.id, restored.detail);
  const step = runLaneStep(lane.id, { snapshot: restored.snapshot }, event, rt.lanes.inspect);
  const refused = step.effects.find((e) => e.type === 'refused');
  if (refused)
    return { write: null, result: { ok: false, error: refused.error, reason: refused.reason } };
  const drafts = auditDrafts(lane.id, step.effects, { event });
  if (drafts.length === 0)
    return { write: null, result: { ok: false, error: NOT_ACCEPTED[event.type] } };
  const row = laneRow(lane, step, lane.version + 1, event.at);
  const chained = chainEvents(lane.proposalId, head, drafts, randomUUID);
  return {
    write: {
      lane: row,
      expectedVersion: lane.version,
      expectedSeq: head.seq,
      head: chained.head,
      events: chained.events,
    },
    effects: step.effects,
    next: { ...found, lane: row, head: chained.head },
  };
}

/** After the commit: report the transition, hand on the jobs, answer. */
async function committed(
  lane: LaneRow,
  effects: LaneEffect[],
  from: string | null,
  event: string,
  enqueue: Enqueue,
): Promise<LaneResult> {
  // Published between the commit and the enqueue: observers (and crash tests) see exactly
  // the moment a lost process would leave a committed step without its job.
  publish('laneTransition', {
    laneId: lane.id,
    proposalId: lane.proposalId,
    from,
    to: lane.status,
    event,
  });
  await enqueueJobs(lane.id, effects, enqueue);
  return { ok: true, approval: toApproval(lane) };
}

/** A lane result, plus (when written) the lane as it now is, so a next step can skip the read. */
export interface LaneStepOutcome {
  result: LaneResult;
  lane: LaneForStep | null;
}

/**
 * Folds events into one plan: each is planned on the lane as the previous one left it, and
 * all are written together (version + 1 each, one audit event each), or none if any is
 * refused.
 */
function planLaneEvents(
  rt: GovernanceRuntime,
  found: LaneForStep,
  events: readonly LaneEvent[],
): Plan {
  let combined: Extract<Plan, { write: LaneWrite }> | null = null;
  for (const event of events) {
    const plan = planLaneEvent(rt, combined?.next ?? found, event);
    if (!plan.write) return plan;
    combined = combined
      ? {
          write: {
            ...plan.write,
            expectedVersion: combined.write.expectedVersion,
            expectedSeq: combined.write.expectedSeq,
            events: [...combined.write.events, ...plan.write.events],
          },
          effects: [...combined.effects, ...plan.effects],
          next: plan.next,
        }
      : plan;
  }
  if (!combined) throw new Error('stepLane needs at least one event');
  return combined;
}

/**
 * Applies one event (or several in a row) to a lane: restore its snapshot, send, and — only
 * if the machine accepted every event — persist snapshot, mirrored columns, the new version
 * and the audit events in one statement, then enqueue the jobs declared. `known` skips the
 * first read.
 */
export async function stepLane(
  rt: GovernanceRuntime,
  laneId: string,
  events: LaneEvent | readonly LaneEvent[],
  enqueue: Enqueue = rt.lanes.enqueue,
  known: LaneForStep | null = null,
): Promise<LaneStepOutcome> {
  const sequence = Array.isArray(events) ? events : [events as LaneEvent];
  let found = known;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    found ??= await rt.laneStore.read(laneId);
    if (!found) return { result: { ok: false, error: 'not_found' }, lane: null };
    const plan = planLaneEvents(rt, found, sequence);
    if (!plan.write) return { result: plan.result, lane: found };
    if (await rt.laneStore.write('update', plan.write)) {
      const label = sequence.map((e) => e.type).join('+');
      const from = found.lane.status;
      const result = await committed(plan.write.lane, plan.effects, from, label, enqueue);
      return { result, lane: plan.next };
    }
    found = null;
  }
  return {
    result: { ok: false, error: 'conflict', reason: 'the lane kept changing; try again' },
    lane: null,
  };
}

/** {@link stepLane} for callers that only want the result. */
export async function applyLaneEvent(
  rt: GovernanceRuntime,
  laneId: string,
  event: LaneEvent,
  enqueue?: Enqueue,
): Promise<LaneResult> {
  return (await stepLane(rt, laneId, event, enqueue)).result;
}

/** Opens a lane for a proposal whose audit chain ends at `head`. */
export async function openLane(
  rt: GovernanceRuntime,
  input: Omit<LaneInput, 'laneId' | 'at'>,
  head: AuditHead,
  enqueue: Enqueue = rt.lanes.enqueue,
): Promise<LaneResult> {
  const at = rt.lanes.now().toISOString();
  const laneInput: LaneInput = { ...input, laneId: randomUUID(), at };
  const step = runLaneStep(laneInput.laneId, { input: laneInput }, null, rt.lanes.inspect);
  const row = laneRow(
    { id: laneInput.laneId, proposalId: input.proposalId, createdAt: at },
    step,
    1,
    at,
  );
  const chained = chainEvents(
    input.proposalId,
    head,
    auditDrafts(row.id, step.effects, { laneInput }),
    randomUUID,
  );
  const write: LaneWrite = {
    lane: row,
    expectedVersion: 0,
    expectedSeq: head.seq,
    head: chained.head,
    events: chained.events,
  };
  if (!(await rt.laneStore.write('insert', write)))
    return { ok: false, error: 'conflict', reason: 'another lane was opened for this proposal' };
  return committed(row, step.effects, null, 'OPEN', enqueue);
}
