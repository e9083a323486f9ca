import type { LaneJob } from '../machines/laneTypes.js';

/** Agenda job names, namespaced so countersign can share an Agenda with its host. */
export const jobNames = {
  'approval-expiry': 'countersign:approval-expiry',
  'approval-resume': 'countersign:approval-resume',
  'tool-execution': 'countersign:tool-execution',
} as const satisfies Record<LaneJob, string>;

/** The recurring sweep that re-drives every lane whose next step is due. */
export const reconcileJobName = 'countersign:reconcile';

/** A namespaced job name of a lane step. */
export type LaneJobName = (typeof jobNames)[LaneJob];

/** A lane step to run later: what the runtime hands to `enqueue` after it has committed. */
export interface LaneJobRequest {
  name: LaneJobName;
  laneId: string;
  /** When the job is due; null for at once. */
  runAt: Date | null;
}
