import { reconcileJobName } from './jobNames.js';
import type { LaneSteps, ReconcileOutcome } from './laneJob.js';

/**
 * The recurring sweep: expires every pending lane past its deadline, settles running claims
 * whose lease lapsed, and re-drives approved or queued lanes whose job went missing. One
 * instance runs at a time across all workers (Agenda locks the job).
 */
export const reconcileJob = {
  name: reconcileJobName,
  perform: (steps: LaneSteps): Promise<ReconcileOutcome> => steps.reconcile(),
};
