import { claimRedrives } from '../../persistence/dueLanes.repository.js';
import { jobNames } from '../../scheduler/laneJobs.js';
import type { LaneJobHandlers } from '../../scheduler/laneJobs.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import { applyLaneEvents } from '../lanes/applyLaneEvents.js';
import { closeDueCases } from '../cases/caseDeadlines.js';
import { executeLane, failureEvent } from './executeLane.js';
import type { ExecutionSettings } from './executionSettings.js';
import { expireDueLanes, expireLane } from './expiry.js';
import { sweepDueLanes } from './sweep.js';

/**
 * The handlers the Agenda workers run, over the governance runtime. `enqueue` is the
 * scheduler's; `jobTable` names its table when it lives in the persistence database. Resume runs its execution in the same job instead of storing a second one.
 */
export function createLaneJobHandlers(
  rt: GovernanceRuntime,
  settings: ExecutionSettings,
  enqueue: Enqueue,
  jobTable: string | null,
): LaneJobHandlers {
  /**
   * Hands stale approved or queued lanes back to Agenda, each at most once per
   * `redriveAfterMs`; their handlers are idempotent.
   */
  const redrive = async (kind: 'resume' | 'execution'): Promise<number> => {
    const now = rt.now().toISOString();
    const laneIds = await rt.withEm('redrive', (em) =>
      claimRedrives(em, kind, now, settings.redriveAfterMs, settings.sweepBatchSize, jobTable),
    );
    const name = kind === 'resume' ? jobNames['approval-resume'] : jobNames['tool-execution'];
    for (const laneId of laneIds) await enqueue({ name, laneId, runAt: null });
    return laneIds.length;
  };

  return {
    expire: (laneId) => expireLane(rt, laneId, enqueue),
    resume: (laneId) => executeLane(rt, settings, laneId, enqueue, { resume: true }),
    execute: (laneId) => executeLane(rt, settings, laneId, enqueue),
    async reconcile() {
      const cases = await closeDueCases(rt, settings, enqueue);
      const expired = await expireDueLanes(rt, settings, enqueue);
      // A lapsed claim means its process died mid-run: whether the tool ran is unknown, so
      // only an idempotent tool may run again.
      const interrupted = await sweepDueLanes(rt, settings, 'lease', (found, now) => {
        const event = failureEvent(
          rt.registry.byVersion(found.toolName, found.toolVersion),
          found.lane.attempt,
          { code: 'interrupted', message: 'the claim lapsed before the run was recorded' },
          now,
          settings,
        );
        return applyLaneEvents(rt, found.lane.id, [event], { enqueue, known: found });
      });
      return {
        ...cases,
        expired,
        interrupted,
        resumed: await redrive('resume'),
        executed: await redrive('execution'),
      };
    },
  };
}
