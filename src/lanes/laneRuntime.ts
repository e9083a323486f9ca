import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import {
  APPROVAL_LANE_MACHINE_ID,
  APPROVAL_LANE_MACHINE_VERSION,
} from '../../machines/approvalLane.machine.js';
import { restoreLaneSnapshot } from '../../machines/laneSnapshot.js';
import type { LaneEffect, LaneEvent, LaneInput } from '../../machines/laneTypes.js';
import { findLaneForEvent, insertLane, updateLane } from '../../persistence/lane.repository.js';
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

/** Hands the step's jobs to the scheduler. The step is committed: a failure here is reported, not thrown. */
async function enqueueJobs(laneId: string, effects: LaneEffect[], enqueue: Enqueue) {
  for (const effect of effects) {
    if (effect.type !== 'enqueue') continue;
    const job = {
      name: jobNames[effect.job],
      laneId,
      runAt: effect.runAt ? new Date(effect.runAt) : null,
    };
    try {
      await enqueue(job);
    } catch (error) {
      publish('enqueueFailed', { ...job, error });
    }
  }
}

/** Runs a write; a unique violation (a second pending lane) is a lost race like any other. */
async function raceSafe(write: () => Promise<boolean>): Promise<boolean> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) return false;
    throw error;
  }
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
  const wrote = await rt.withEm('openLane', (em) =>
    raceSafe(() => insertLane(em, row, head.seq, chained.head, chained.events)),
  );
  if (!wrote)
    return { ok: false, error: 'conflict', reason: 'another lane was opened for this proposal' };
  await enqueueJobs(row.id, step.effects, enqueue);
  publish('laneTransition', {
    laneId: row.id,
    proposalId: row.proposalId,
    from: null,
    to: row.status,
  });
  return { ok: true, approval: toApproval(row) };
}

/**
 * Applies one event to a lane: restore its snapshot, send, and — only if the machine
 * accepted the event — persist snapshot, mirrored columns, version + 1 and the audit events
 * in one statement, then enqueue the jobs it declared.
 */
export async function applyLaneEvent(
  rt: GovernanceRuntime,
  laneId: string,
  event: LaneEvent,
  enqueue: Enqueue = rt.lanes.enqueue,
): Promise<LaneResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const found = await rt.withEm('readLane', (em) => findLaneForEvent(em, laneId));
    if (!found) return { ok: false, error: 'not_found' };
    const { lane, head } = found;
    const restored = restoreLaneSnapshot(lane);
    if (!restored.ok) throw new LaneSnapshotError(restored.error, laneId, restored.detail);

    const step = runLaneStep(laneId, { snapshot: restored.snapshot }, event, rt.lanes.inspect);
    const refused = step.effects.find((e) => e.type === 'refused');
    if (refused) return { ok: false, error: refused.error, reason: refused.reason };
    const drafts = auditDrafts(laneId, step.effects, { event });
    if (drafts.length === 0) return { ok: false, error: NOT_ACCEPTED[event.type] };

    const row = laneRow(lane, step, lane.version + 1, event.at);
    const chained = chainEvents(lane.proposalId, head, drafts, randomUUID);
    const wrote = await rt.withEm('writeLane', (em) =>
      updateLane(em, row, lane.version, head.seq, chained.head, chained.events),
    );
    if (!wrote) continue;
    await enqueueJobs(laneId, step.effects, enqueue);
    publish('laneTransition', {
      laneId,
      proposalId: lane.proposalId,
      from: lane.status,
      to: row.status,
      event: event.type,
    });
    return { ok: true, approval: toApproval(row) };
  }
  return { ok: false, error: 'conflict', reason: 'the lane kept changing; try again' };
}
