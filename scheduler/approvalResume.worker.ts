import { jobNames } from './jobNames.js';
import { lanePayloadSchema } from './laneJob.js';
import type { LaneJobDefinition } from './laneJob.js';

/** Moves an approved lane to execution_pending, then hands it to execution. */
export const approvalResumeJob: LaneJobDefinition = {
  name: jobNames['approval-resume'],
  payload: lanePayloadSchema,
  uniqueKey: (p) => p.laneId,
  perform: (p, steps) => steps.resume(p.laneId),
};
