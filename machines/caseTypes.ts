import type { ApprovalQuorum } from './laneTypes.js';
/** Case states; mirrored into `governance_cases.status`. */
export type CaseStatus = 'open' | 'completed' | 'cancelled' | 'timed_out';

/** Statuses a case never leaves. */
export const closedCaseStatuses: readonly CaseStatus[] = ['completed', 'cancelled', 'timed_out'];

/**
 * A region of a run: `'/'` is the case itself, `'/research/web'` a sub-agent inside
 * `'/research'`. Always absolute, no empty or dot segments, no trailing slash.
 */
export type CasePath = string;

/** Limits of one budget level; an absent limit is unlimited. Non-negative integers. */
export interface BudgetLimits {
  maxEffects?: number;
  maxEffectTimeMs?: number;
  maxCost?: number;
}

/** An amount charged against budgets: tool runs, milliseconds of run time, cost units. */
export interface BudgetAmount {
  effects: number;
  timeMs: number;
  cost: number;
}

/** One budgeted path of a case: its limits, what settled runs used, what running ones hold. */
export interface LedgerLevel {
  limit: BudgetLimits;
  used: BudgetAmount;
  reserved: BudgetAmount;
}

/** A running execution's hold on the budget: the levels it was charged at, and how much. */
export interface Reservation {
  paths: CasePath[];
  amount: BudgetAmount;
}

/**
 * The budget ledger of a case: a level per budgeted path (`'/'` when the case has a
 * budget), and the reservations of executions still running, by task (lane) id.
 */
export interface BudgetLedgerState {
  levels: Record<CasePath, LedgerLevel>;
  reservations: Record<string, Reservation>;
}

/** What a case does when nobody answers an approval in time. */
export type ApprovalTimeoutAction = 'cancel' | 'default' | 'escalate';

export interface EscalationPolicy {
  /** Role an approver of the escalated lane must hold. */
  approverRole: string;
  ttlSeconds: number;
  /** Escalations before `finalAction`: 1..10. */
  maxDepth: number;
  finalAction: 'cancel' | 'reject';
}

export interface TimeoutPolicy {
  /** Wall time from creation until the case times out. */
  caseMs?: number;
  /** Upper bound of one tool run (the tool's own timeout may be lower). */
  executionMs?: number;
  /** TTL of the case's approval lanes. */
  approvalTtlSeconds?: number;
  onApprovalTimeout?: ApprovalTimeoutAction;
  /** The decision `default` records as `system:default`. @default 'reject' */
  defaultDecision?: 'approve' | 'reject';
  escalation?: EscalationPolicy;
}

/** A call matched by a point needs a lane even if its tool is `auto`. */
export interface ApprovalPoint {
  tool?: string;
  casePath?: CasePath;
  onApprovalTimeout?: ApprovalTimeoutAction;
  /** The approvals a call stopped here needs (at least as many as its tool's). */
  approvals?: ApprovalQuorum;
}

/** A policy's body: stored data, versioned by name. Every part is optional. */
export interface PolicyBody {
  /** Tools allowed at a path; a nested path inherits its parent's list by intersection. */
  allowlists?: Record<CasePath, string[]>;
  budgets?: Record<CasePath, BudgetLimits>;
  timeouts?: TimeoutPolicy;
  approvalPoints?: ApprovalPoint[];
  /** `block` refuses the call; `cancel` also cancels the case. @default 'block' */
  onBudgetExhausted?: 'block' | 'cancel';
}

/** The policy version a case runs under, fixed at creation. */
export interface CasePolicyRef {
  name: string;
  version: number;
  /** SHA-256 of the canonical JSON of the body. */
  hash: string;
}

/**
 * A structured governance error, kept as a receipt event on the case (and on the proposal
 * where there is one). `scope` is the case path, `taskId` the proposal or lane id.
 */
export interface GovernanceReceipt {
  errorType:
    | 'allowlist_violation'
    | 'budget_exceeded'
    | 'case_closed'
    | 'timeout'
    | 'cancelled'
    | 'default_decision'
    | 'escalated';
  scope: CasePath;
  taskId: string | null;
  detail: string;
  timestamp: string;
}

export interface CaseContext {
  caseId: string;
  policy: CasePolicyRef;
  createdBy: string;
  createdAt: string;
  /** ISO wall-clock deadline (`createdAt + caseMs`); null without `caseMs`. */
  deadline: string | null;
  onBudgetExhausted: 'block' | 'cancel';
  ledger: BudgetLedgerState;
  /** Who closed the case, when and why; null while open. */
  closed: { by: string; at: string; reason: string | null } | null;
}

export interface CaseInput {
  caseId: string;
  policy: CasePolicyRef;
  /** Budgets of the policy version, by path (the ledger's levels start from them). */
  budgets: Record<CasePath, BudgetLimits>;
  onBudgetExhausted: 'block' | 'cancel';
  deadline: string | null;
  createdBy: string;
  at: string;
}

/** Events the case machine accepts; every one carries `at`, stamped by the runtime. */
export type CaseEvent =
  | { type: 'COMPLETE'; actorId: string; at: string }
  | { type: 'CANCEL'; actorId: string; reason: string; at: string }
  /** The deadline passed: the sweep (or a worker that noticed) times the case out. */
  | { type: 'TIME_OUT'; at: string }
  /** An execution starts: hold `amount` at every budgeted level from `'/'` down to `path`. */
  | { type: 'RESERVE'; taskId: string; path: CasePath; amount: BudgetAmount; at: string }
  /** An execution ended: replace its hold by what it used (effects stay as reserved). */
  | { type: 'SETTLE'; taskId: string; used: { timeMs: number; cost: number }; at: string }
  /** An execution that never started: drop its hold. */
  | { type: 'RELEASE'; taskId: string; at: string }
  /** A refusal or action recorded on the case, as it happened elsewhere. */
  | { type: 'RECORD_RECEIPT'; receipt: GovernanceReceipt; at: string };

/** Why the case machine refused an event that reached it. */
export type CaseRefusal = 'case_closed' | 'budget_exceeded' | 'not_due' | 'invalid_event';

/** Effects the case machine declares; the runtime performs them. */
export type CaseEffect =
  | { type: 'audit'; event: string; actorId: string; at: string; data: Record<string, unknown> }
  | { type: 'refused'; error: CaseRefusal; reason: string };
