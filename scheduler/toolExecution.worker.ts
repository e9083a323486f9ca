import { jobNames } from './jobNames.js';
import { lanePayloadSchema } from './laneJob.js';
import type { LaneJobDefinition } from './laneJob.js';

/** Claims a queued lane and runs its tool: the only path on which a tool's `run` is called. */
export const toolExecutionJob: LaneJobDefinition = {
  name: jobNames['tool-execution'],
  payload: lanePayloadSchema,
  uniqueKey: (p) => p.laneId,
  perform: (p, steps) => steps.execute(p.laneId),
};
