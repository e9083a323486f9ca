/** Lane states; the top level is mirrored into `tool_approvals.status`. */
export type LaneStatus =
  | 'pending'
  | 'approved'
  | 'execution_pending'
  | 'executed'
  | 'execution_failed'
  | 'rejected'
  | 'deferred'
  | 'expired'
  | 'escalated';

// The status sets, named once: SQL interpolates them instead of repeating literals. The
// machine's doc comment has the transitions between the statuses.

/** Statuses a lane never leaves. */
export const terminalLaneStatuses: readonly LaneStatus[] = [
  'executed',
  'execution_failed',
  'rejected',
  'deferred',
  'expired',
  'escalated',
];

/** Statuses that end what a proposal's call came to: an escalated lane hands on to the next. */
export const outcomeLaneStatuses: readonly LaneStatus[] = [
  'executed',
  'execution_failed',
  'rejected',
  'deferred',
  'expired',
];

/** Statuses in which a proposal's lane keeps another from opening: open, or executed. */
export const blockingLaneStatuses: readonly LaneStatus[] = [
  'pending',
  'approved',
  'execution_pending',
  'executed',
];

/** Statuses whose next transition a worker or the reconciler makes (the due index covers them). */
export const dueLaneStatuses: readonly LaneStatus[] = ['pending', 'approved', 'execution_pending'];

/** A structured failure, as stored and as given to hosts. */
export interface LaneFailure {
  code: string;
  message: string;
}

/** A human (or system) decision, with the hash of the exact input it was about. */
export interface LaneDecision {
  kind: 'approved' | 'rejected' | 'deferred' | 'expired' | 'escalated';
  actorId: string;
  at: string;
  note: string | null;
  reason: string | null;
  inputHash: string;
  /** The call digest this decision approves; null on lanes opened before digests existed. */
  callDigest: string | null;
}

export interface LaneContext {
  laneId: string;
  proposalId: string;
  proposerId: string;
  /** Role an approver must hold for this tool's risk tier; null when none is required. */
  requiredRole: string | null;
  /** Role a host's actor must hold to expire the lane; null: the approver's role. */
  expireRole: string | null;
  /** SHA-256 of the proposal's validated input, fixed when the lane opens. */
  inputHash: string;
  /** The call digest (tool, definition, input, proposer, conversation, case), fixed at opening. */
  callDigest: string | null;
  /** Who opened the lane, when, and (auto tools) who approved it on opening. */
  opened: { by: string; at: string; autoApprovedBy: string | null };
  /** ISO deadline for a decision; null for lanes that start approved. */
  expiresAt: string | null;
  /** How many lanes before this one for its proposal ended `escalated` (0 for the first). */
  escalationDepth: number;
  decision: LaneDecision | null;
  /** Execution attempts started so far. */
  attempt: number;
  /** ISO time until which the running attempt's claim holds. */
  leaseUntil: string | null;
  /** ISO time before which a retried execution must not start. */
  retryAt: string | null;
  result: unknown;
  failure: LaneFailure | null;
}

/** What opens a lane. `autoApprovedBy` makes it start approved (auto tools). */
export interface LaneInput {
  laneId: string;
  proposalId: string;
  proposerId: string;
  requiredRole: string | null;
  /** Absent in the opening events of lanes written before it existed. */
  expireRole?: string | null;
  inputHash: string;
  /** Absent in the opening events of lanes written before digests existed. */
  callDigest?: string | null;
  expiresAt: string | null;
  requestedBy: string;
  /** The opening time; every event carries its own `at`, stamped by the runtime. */
  at: string;
  autoApprovedBy?: string;
  /** Lanes of the proposal that escalated before this one. @default 0 */
  escalationDepth?: number;
}

export interface Stamped {
  /** ISO time, stamped by the runtime so the machine never reads a clock. */
  at: string;
}

/** Events the machine accepts. Decisions carry the decider's roles, resolved by the runtime. */
export type LaneEvent =
  | ({ type: 'APPROVE'; actorId: string; note?: string; actorRoles: string[] } & Stamped)
  | ({ type: 'REJECT'; actorId: string; reason: string; actorRoles: string[] } & Stamped)
  | ({ type: 'DEFER'; actorId: string; reason: string; actorRoles: string[] } & Stamped)
  | ({
      type: 'EXPIRE';
      actorId: string;
      /** Present when a host expires the lane; the deadline sweep carries none. */
      actorRoles?: string[];
    } & Stamped)
  | ({ type: 'RESUME'; actorId: string } & Stamped)
  /** Nobody answered in time and the case's policy escalates: this lane ends, another opens. */
  | ({ type: 'ESCALATE'; actorId: string } & Stamped)
  /** Nobody answered in time and the case's policy decides by default, as `system:default`. */
  | ({ type: 'DEFAULT_DECISION'; decision: 'approve' | 'reject' } & Stamped)
  | ({
      type: 'EXECUTION_CLAIMED';
      inputHash: string;
      /** The digest of the call about to run, as the worker recomputed it; null if it could not. */
      callDigest: string | null;
      leaseUntil: string;
    } & Stamped)
  /** The run may not start: its case refused the budget reservation or is closed. */
  | ({ type: 'EXECUTION_REFUSED'; failure: LaneFailure } & Stamped)
  | ({ type: 'EXECUTION_SUCCEEDED'; result: unknown } & Stamped)
  | ({ type: 'EXECUTION_FAILED'; failure: LaneFailure } & Stamped)
  | ({ type: 'EXECUTION_RETRY'; failure: LaneFailure; retryAt: string } & Stamped);

/** Jobs a transition asks the runtime to enqueue once it has committed. */
export type LaneJob = 'approval-expiry' | 'approval-resume' | 'tool-execution';

/** Why an event that reached a handler was still refused. */
export type LaneRefusal = 'expired' | 'forbidden' | 'invalid_event';

/** Effects the machine declares; the runtime performs them (it never does I/O itself). */
export type LaneEffect =
  | { type: 'audit'; event: string; actorId: string; at: string; data: Record<string, unknown> }
  | { type: 'enqueue'; job: LaneJob; runAt: string | null }
  | { type: 'refused'; error: LaneRefusal; reason: string };
