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

/**
 * How many people must approve a lane: `count` distinct actors, none of them the proposer,
 * each holding one of `roles` (when given, these replace the risk tier's role). One
 * rejection rejects, unless `onRejection` is `count`: then the lane is rejected once `count`
 * distinct actors have rejected it.
 */
export interface ApprovalQuorum {
  count: number;
  roles?: string[] | undefined;
  /** @default 'reject' */
  onRejection?: 'reject' | 'count' | undefined;
}

/** One changed place of an edited input: a JSON Pointer, the value before and after. */
export interface InputChange {
  path: string;
  /** Absent when the edit added the place. */
  before?: unknown;
  /** Absent when the edit removed the place. */
  after?: unknown;
}

/**
 * An approver's edit of a lane's input, judged again by every gate before it reaches the
 * machine: the input that will run, its hash and call digest (with the cost it was judged
 * at), the hash of the proposal's input and the change from it.
 */
export interface LaneEdit {
  input: unknown;
  inputHash: string;
  callDigest: string;
  cost: number;
  originalInputHash: string;
  diff: InputChange[];
}

/** An approval (or, counted, a rejection) a quorum lane has collected. */
export interface LaneVote {
  actorId: string;
  at: string;
  /** The input hash approved; rejections carry the hash they refused. */
  inputHash: string;
  note: string | null;
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
  /** An approval of an edited input: the proposal's input hash and the change from it. */
  edit?: { originalInputHash: string; diff: InputChange[]; by: string };
  /** A quorum's approval: every approver it counted, in order. */
  approvers?: string[];
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
  /** The edited input an approver put up for approval, replacing the proposal's; or null. */
  edit: (LaneEdit & { by: string; at: string }) | null;
  /** The approvals a lane needs; null: one. */
  quorum: ApprovalQuorum | null;
  /** Approvals collected so far (only those of the input now up for approval count). */
  approvals: LaneVote[];
  /** Rejections collected so far, when a quorum counts them. */
  rejections: LaneVote[];
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
  /** Absent: one approval decides. */
  quorum?: ApprovalQuorum | null;
}

export interface Stamped {
  /** ISO time, stamped by the runtime so the machine never reads a clock. */
  at: string;
}

/** Events the machine accepts. Decisions carry the decider's roles, resolved by the runtime. */
export type LaneEvent =
  | ({
      type: 'APPROVE';
      actorId: string;
      note?: string;
      actorRoles: string[];
      /** Approves this edit of the input instead (already judged by every gate). */
      edit?: LaneEdit;
      /** The input hash the approver saw; a lane whose input changed since refuses it. */
      inputHash?: string;
    } & Stamped)
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

/** One kind of lane event. */
export type LaneEventOf<T extends LaneEvent['type']> = Extract<LaneEvent, { type: T }>;

/** Jobs a transition asks the runtime to enqueue once it has committed. */
export type LaneJob = 'approval-expiry' | 'approval-resume' | 'tool-execution';

/** Why an event that reached a handler was still refused. */
export type LaneRefusal = 'expired' | 'forbidden' | 'invalid_event' | 'conflict';

/** Effects the machine declares; the runtime performs them (it never does I/O itself). */
export type LaneEffect =
  | { type: 'audit'; event: string; actorId: string; at: string; data: Record<string, unknown> }
  | { type: 'enqueue'; job: LaneJob; runAt: string | null }
  | { type: 'refused'; error: LaneRefusal; reason: string };
