import { jobNames } from './jobNames.js';
import { lanePayloadSchema } from './laneJob.js';
import type { LaneJobDefinition } from './laneJob.js';

/** Expires the lane if it is still pending and due; anything else is a no-op. */
export const approvalExpiryJob: LaneJobDefinition = {
  name: jobNames['approval-expiry'],
  payload: lanePayloadSchema,
  uniqueKey: (p) => p.laneId,
  perform: (p, steps) => steps.expire(p.laneId),
};
