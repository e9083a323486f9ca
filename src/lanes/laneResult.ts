import type { z } from 'zod';
import type { Approval } from './laneView.js';

/** Why a lane operation did not happen. Nothing was written for any of them. */
export type LaneError =
  | 'not_found'
  | 'not_pending'
  | 'not_approved'
  | 'not_executing'
  | 'not_requires_approval'
  | 'not_auto'
  | 'proposal_blocked'
  | 'forbidden'
  | 'expired'
  | 'invalid_event'
  | 'conflict'
  /** An approver's edited input failed a gate (`reason`: the gate's outcome) or the tool's rules. */
  | 'edit_refused';

/** What every lane operation returns. */
export type LaneResult =
  | { ok: true; approval: Approval }
  | {
      ok: false;
      error: LaneError;
      reason?: string;
      /** What the refusing gate said, where it said more than its code. */
      detail?: string;
      issues?: z.core.$ZodIssue[];
    };
