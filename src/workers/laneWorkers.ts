import type { LaneEvent } from '../../machines/laneTypes.js';
import { findDueLanes } from '../../persistence/lane.repository.js';
import type { LaneForStep } from '../../persistence/lane.repository.js';
import { jobNames } from '../../scheduler/jobNames.js';
import type { JobOutcome, LaneSteps, ReconcileOutcome } from '../../scheduler/laneJob.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import type { LaneResult } from '../lanes/laneResult.js';
import { stepLane } from '../lanes/laneRuntime.js';
import { executeLane, failureEvent } from './executeLane.js';
import type { ExecutionSettings } from './executionSettings.js';

function outcomeOf(result: LaneResult): JobOutcome {
  if (result.ok) return { status: 'applied', laneStatus: result.approval.status };
  return result.error === 'not_found'
    ? { status: 'not_found' }
    : { status: 'skipped', reason: result.error };
}

/**
 * The lane steps the Agenda workers run, over the governance runtime. `enqueue` is the
 * scheduler's. Resume runs its execution in the same job instead of storing a second one.
 */
export function createLaneSteps(
  rt: GovernanceRuntime,
  settings: ExecutionSettings,
  enqueue: Enqueue,
): LaneSteps {
  const expire = async (laneId: string): Promise<JobOutcome> => {
    const found = await rt.laneStore.read(laneId);
    if (!found) return { status: 'not_found' };
    const now = rt.lanes.now();
    if (found.lane.status !== 'pending')
      return { status: 'skipped', reason: `lane is ${found.lane.status}` };
    if (found.lane.expiresAt && Date.parse(found.lane.expiresAt) > now.getTime()) {
      return { status: 'skipped', reason: 'not due' };
    }
    const event: LaneEvent = { type: 'EXPIRE', actorId: 'system', at: now.toISOString() };
    return outcomeOf((await stepLane(rt, laneId, event, enqueue, found)).result);
  };

  /** Every due lane of one kind, a batch at a time, until none is left. */
  const sweep = async (
    kind: 'expiry' | 'lease',
    eventFor: (found: LaneForStep, now: Date) => LaneEvent,
  ): Promise<number> => {
    let settled = 0;
    for (;;) {
      const now = rt.lanes.now();
      const due = await rt.withEm('sweep', (em) =>
        findDueLanes(em, kind, now.toISOString(), 0, settings.sweepBatchSize),
      );
      if (due.length === 0) return settled;
      // Each lane is one step; the lane store writes them many to a statement.
      const results = await Promise.all(
        due.map(
          async (found) =>
            (await stepLane(rt, found.lane.id, eventFor(found, now), enqueue, found)).result,
        ),
      );
      settled += results.filter((r) => r.ok).length;
      if (due.length < settings.sweepBatchSize) return settled;
    }
  };

  /** Hands stale approved or queued lanes back to Agenda; their handlers are idempotent. */
  const redrive = async (kind: 'resume' | 'execution'): Promise<number> => {
    const now = rt.lanes.now().toISOString();
    const due = await rt.withEm('redrive', (em) =>
      findDueLanes(em, kind, now, settings.redriveAfterMs, settings.sweepBatchSize),
    );
    const name = kind === 'resume' ? jobNames['approval-resume'] : jobNames['tool-execution'];
    for (const found of due) await enqueue({ name, laneId: found.lane.id, runAt: null });
    return due.length;
  };

  return {
    expire,
    resume: (laneId) => executeLane(rt, settings, laneId, enqueue, { resume: true }),
    execute: (laneId) => executeLane(rt, settings, laneId, enqueue),
    async reconcile(): Promise<ReconcileOutcome> {
      const expired = await sweep('expiry', (_, now) => ({
        type: 'EXPIRE',
        actorId: 'system',
        at: now.toISOString(),
      }));
      // A lapsed claim means its process died mid-run: whether the tool ran is unknown, so
      // only an idempotent tool may run again.
      const interrupted = await sweep('lease', (found, now) =>
        failureEvent(
          rt.registry.byVersion(found.toolName, found.toolVersion),
          found.lane.attempt,
          { code: 'interrupted', message: 'the claim lapsed before the run was recorded' },
          now,
          settings,
        ),
      );
      return {
        expired,
        interrupted,
        resumed: await redrive('resume'),
        executed: await redrive('execution'),
      };
    },
  };
}
