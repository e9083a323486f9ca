import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import { deadlinePlan } from '../cases/approvalTimeout.js';
import { openEscalatedLane } from '../lanes/requestApproval.js';
import type { AppliedLaneEvents } from '../lanes/applyLaneEvents.js';
import type { JobOutcome } from '../../scheduler/laneJobs.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import { applyLaneEvents } from '../lanes/applyLaneEvents.js';
import type { LaneResult } from '../lanes/laneResult.js';
import type { ExecutionSettings } from './executionSettings.js';
import { sweepDueLanes } from './sweep.js';

// Expiry's one home in the runtime. The machine refuses a decision at or after the
// deadline on its own (`isPastDeadline`), whether or not the expiry has run; this module
// records the expiry itself: for every due lane in the reconcile sweep (many per
// statement, so a burst of deadlines is not a burst of jobs), or for one lane when a host
// that enqueues its own jobs runs the `approval-expiry` job.

/** Applies a lane's deadline plan; an escalation then opens the next lane. */
async function applyDeadline(
  rt: GovernanceRuntime,
  found: LaneWithProposal,
  now: Date,
  enqueue: Enqueue,
): Promise<AppliedLaneEvents> {
  const plan = await deadlinePlan(rt, found, now);
  const applied = await applyLaneEvents(rt, found.lane.id, plan.events, {
    enqueue,
    known: found,
    charge: plan.charge,
  });
  if (plan.escalate && applied.result.ok && applied.result.approval.status === 'escalated') {
    await openEscalatedLane(rt, found.lane.proposalId, plan.escalate, enqueue);
  }
  return applied;
}

/** A lane result as a job's outcome. */
export function jobOutcome(result: LaneResult): JobOutcome {
  if (result.ok) return { status: 'applied', laneStatus: result.approval.status };
  return result.error === 'not_found'
    ? { status: 'not_found' }
    : { status: 'skipped', reason: result.error };
}

/** Expires one lane if it is still pending and due; anything else is a no-op. */
export async function expireLane(
  rt: GovernanceRuntime,
  laneId: string,
  enqueue: Enqueue,
): Promise<JobOutcome> {
  const found = await rt.laneStore.read(laneId);
  if (!found) return { status: 'not_found' };
  const now = rt.now();
  if (found.lane.status !== 'pending')
    return { status: 'skipped', reason: `lane is ${found.lane.status}` };
  if (found.lane.expiresAt && Date.parse(found.lane.expiresAt) > now.getTime()) {
    return { status: 'skipped', reason: 'not due' };
  }
  return jobOutcome((await applyDeadline(rt, found, now, enqueue)).result);
}

/** Expires every pending lane past its deadline; returns how many. */
export function expireDueLanes(
  rt: GovernanceRuntime,
  settings: ExecutionSettings,
  enqueue: Enqueue,
): Promise<number> {
  return sweepDueLanes(rt, settings, 'expiry', (found, now) =>
    applyDeadline(rt, found, now, enqueue),
  );
}
