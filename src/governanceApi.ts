import type { InspectionEvent } from 'xstate';
import type { CasePage, CaseQuery } from './cases/caseList.js';
import type {
  ApprovalPoint,
  BudgetLimits,
  GovernanceReceipt,
  PolicyBody,
  TimeoutPolicy,
} from '../machines/caseTypes.js';
import type {
  BudgetReport,
  Case,
  CaseResult,
  CaseTrailVerification,
  CreateCaseOptions,
} from './cases/cases.js';
import type { PolicyChange, PolicyVersion } from './cases/policies.js';
import type { DecisionOptions } from './governanceOptions.js';
import type { AuditCheckpoint, CheckpointVerification } from './audit/checkpoint.js';
import type { AuditVerification } from './audit/verifyTrail.js';
import type { ProposalContext } from './pipeline/proposalRequest.js';
import type { ValidationResult } from './pipeline/validate.js';
import type { ProposeResult } from './proposals/propose.js';
import type { ConversationPage, VerifyTrailOptions } from './proposals/proposalReads.js';
import type { AuditEvent, Proposal, ProposalWithEvents } from './proposals/proposalView.js';
import type { ApprovalPage, ApprovalQuery } from './lanes/laneList.js';
import type { AwaitOutcomeOptions, Outcome } from './lanes/awaitOutcome.js';
import type { RequestApprovalOptions } from './lanes/requestApproval.js';
import type { BatchDecision, BatchResult } from './lanes/decideMany.js';
import type {
  DecisionLinkOptions,
  DecisionLinkResult,
  UseDecisionLinkResult,
} from './lanes/decisionLinks.js';
import type { LaneResult } from './lanes/laneResult.js';
import type { Approval } from './lanes/laneView.js';
import type { LaneReplay } from './lanes/replayLane.js';
import type { ToolRef } from './tools/toolRegistry.js';

/** The governance facade; see the README for the lifecycle. */
export interface Governance {
  /** Runs the validation gates; reads nothing, writes nothing. */
  validate(tool: ToolRef, actorId: string, context: ProposalContext): Promise<ValidationResult>;
  /** Validates and stores a proposal with its audit event; never runs a tool. */
  propose(tool: ToolRef, actorId: string, context: ProposalContext): Promise<ProposeResult>;
  getProposal(id: string): Promise<Proposal | null>;
  /** A proposal's audit events, oldest first. */
  listEvents(proposalId: string): Promise<AuditEvent[]>;
  /**
   * A conversation's proposals, newest first, each with its events oldest first: a page of
   * at most `limit` (100), after the proposal `after` (the last of the previous page).
   */
  listProposalsForConversation(
    conversationId: string,
    page?: ConversationPage,
  ): Promise<ProposalWithEvents[]>;
  /**
   * Verifies a proposal's trail: hashes, links and signatures; the recorded call digests
   * against the stored proposal; a replay of each lane against its row; and, given a
   * checkpoint, that the chain still holds the head it recorded. Never throws on stored data.
   */
  verifyAuditTrail(proposalId: string, options?: VerifyTrailOptions): Promise<AuditVerification>;
  /** Signs a checkpoint over every chain's head now; keep it outside the database. */
  createAuditCheckpoint(): Promise<AuditCheckpoint>;
  /** Checks a checkpoint's signature and that every chain it covers still holds its head. */
  verifyAuditCheckpoint(checkpoint: unknown): Promise<CheckpointVerification>;
  /** Opens a pending lane for a `requires_approval` proposal; enqueues its expiry. */
  requestApproval(proposalId: string, options?: RequestApprovalOptions): Promise<LaneResult>;
  /**
   * Approves a pending lane (four-eyes, role; a quorum lane counts the approval and moves
   * on at the last one), then enqueues the resume; never runs the tool. With `input`, approves
   * that edited input instead, where the tool allows it: judged again by gates 1–5 (refused:
   * `edit_refused`, the lane stays pending), recorded with both hashes and the change.
   * `inputHash` names the input the approver saw (`approval.inputHash`): a lane whose input
   * changed since refuses it (`conflict` / `input_changed`); a quorum lane with an edit up
   * requires it.
   */
  approve(
    approvalId: string,
    actorId: string,
    options?: DecisionOptions & {
      note?: string | undefined;
      input?: unknown;
      inputHash?: string | undefined;
    },
  ): Promise<LaneResult>;
  /** Rejects a pending lane; `reason` is required. */
  reject(
    approvalId: string,
    actorId: string,
    options: DecisionOptions & { reason: string },
  ): Promise<LaneResult>;
  /** Defers a pending lane; `reason` is required. */
  defer(
    approvalId: string,
    actorId: string,
    options: DecisionOptions & { reason: string },
  ): Promise<LaneResult>;
  /**
   * Expires a pending lane now (the expiry job does the same at the deadline), as `actorId`;
   * without one as `system`, unless `expireRole` is configured: then an actor holding it is
   * required (`forbidden`, nothing written).
   */
  expire(
    approvalId: string,
    options?: DecisionOptions & { actorId?: string | undefined },
  ): Promise<LaneResult>;
  /**
   * Decides many lanes as one, as `actorId`: up to 1,000 `{ laneId, event }`, each judged as
   * alone; any refusal (or a lane that moves meanwhile) and nothing is written, every
   * refusal named. It answers once committed; the lanes' jobs are enqueued behind it.
   */
  decideMany(
    decisions: readonly BatchDecision[],
    actorId: string,
    options?: DecisionOptions,
  ): Promise<BatchResult>;
  /**
   * A one-time link that decides a pending lane as `approverId` (see `decisionLinks`), bound
   * to the lane, the decision, the approver, the lane's input and an expiry.
   */
  createDecisionLink(laneId: string, options: DecisionLinkOptions): Promise<DecisionLinkResult>;
  /** Decides a link's lane as its approver, once; a bad, used or stale link writes nothing. */
  useDecisionLink(
    token: string,
    fields?: { note?: string | undefined; reason?: string | undefined },
    options?: DecisionOptions,
  ): Promise<UseDecisionLinkResult>;
  /** Moves an approved lane to execution and enqueues the execution job. */
  executeApproved(approvalId: string, options?: DecisionOptions): Promise<LaneResult>;
  /** Sends a host event (`APPROVE`, `REJECT`, `DEFER`, `EXPIRE`, `RESUME`), validated with zod. */
  send(approvalId: string, event: unknown, options?: DecisionOptions): Promise<LaneResult>;
  /** Executes an `auto` proposal through a lane that starts approved by `system:auto`. */
  executeProposal(proposalId: string, options?: DecisionOptions): Promise<LaneResult>;
  /** Starts the Agenda workers (expiry sweep, resume, execution, reconcile) in this process. */
  startWorkers(): Promise<void>;
  /** Lets running jobs finish, then stops this process's workers. */
  stopWorkers(): Promise<void>;
  /**
   * Lanes with the calls they are about, one page: by default the approver's inbox (pending
   * lanes, soonest deadline first). Malformed queries are an {@link InvalidRequestError}.
   */
  listApprovals(query?: ApprovalQuery): Promise<ApprovalPage>;
  /**
   * Waits until the proposal's call settles — blocked, or its lane executed, failed,
   * rejected, deferred or expired (an escalation waits for the next lane) — and says how,
   * with the result, the failure or the reviewer's reason, and the case's receipts for it on
   * any of its lanes. An id that is not a UUID is `not_found` at once; `close()` settles every
   * wait as `closed`. One read serves every waiter, woken by the commits themselves; no
   * waiter polls.
   */
  awaitOutcome(proposalId: string, options?: AwaitOutcomeOptions): Promise<Outcome>;
  /** A lane by its id, or null. */
  getApproval(approvalId: string): Promise<Approval | null>;
  /** The proposal's pending lane, or null. */
  getActiveApproval(proposalId: string): Promise<Approval | null>;
  /** The proposal's most recently updated lane, any status, or null. */
  getLatestApproval(proposalId: string): Promise<Approval | null>;
  /** Replays a lane's recorded events through a fresh actor for an inspector. */
  replayLane(
    approvalId: string,
    options?: { inspect?: ((event: InspectionEvent) => void) | undefined },
  ): Promise<LaneReplay>;
  /** Validates a policy body and stores it as version 1 of `name` ({@link PolicyError} if bad). */
  definePolicy(name: string, body: PolicyBody, change: PolicyChange): Promise<PolicyVersion>;
  /** Writes a new version of `policy` whose allowlist at `casePath` is `tools`. */
  setAllowlist(
    policy: string,
    casePath: string,
    tools: string[],
    change: PolicyChange,
  ): Promise<PolicyVersion>;
  /** Writes a new version of `policy` whose budget at `casePath` is `budget`. */
  setBudget(
    policy: string,
    casePath: string,
    budget: BudgetLimits,
    change: PolicyChange,
  ): Promise<PolicyVersion>;
  /** Writes a new version of `policy` whose timeouts are `timeouts`. */
  setTimeoutPolicy(
    policy: string,
    timeouts: TimeoutPolicy,
    change: PolicyChange,
  ): Promise<PolicyVersion>;
  /** Writes a new version of `policy` with a mandatory approval point. */
  requireApproval(
    policy: string,
    point: ApprovalPoint,
    change: PolicyChange,
  ): Promise<PolicyVersion>;
  /** A policy's version, or its newest; null when there is none. */
  getPolicy(name: string, version?: number): Promise<PolicyVersion | null>;
  /** Opens a case under the current version of a policy; calls join it with `context.caseId`. */
  createCase(options: CreateCaseOptions): Promise<CaseResult>;
  getCase(caseId: string): Promise<Case | null>;
  /**
   * Cases, newest first, one page (`status`, `limit` up to 200, `cursor`), each with how
   * many of its lanes are open. Malformed queries are an {@link InvalidRequestError}.
   */
  listCases(query?: CaseQuery): Promise<CasePage>;
  completeCase(caseId: string, options: { actorId: string }): Promise<CaseResult>;
  cancelCase(caseId: string, options: { actorId: string; reason: string }): Promise<CaseResult>;
  /** Every governance receipt recorded on a case, oldest first. */
  listReceipts(caseId: string): Promise<GovernanceReceipt[]>;
  /** The case's budget ledger per level: limit, used, reserved, remaining; null if unknown. */
  checkBudget(caseId: string): Promise<BudgetReport | null>;
  /** Verifies a case's own audit chain; names the first broken event. */
  verifyCaseTrail(caseId: string): Promise<CaseTrailVerification>;
  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]>;
  /** Drains the workers and closes what this governance opened (not a host-supplied ORM). */
  close(): Promise<void>;
}
