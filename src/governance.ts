import type { InspectionEvent } from 'xstate';
import { migrate } from '../persistence/migrate.js';
import type {
  ApprovalPoint,
  BudgetLimits,
  GovernanceReceipt,
  PolicyBody,
  TimeoutPolicy,
} from '../machines/caseTypes.js';
import {
  cancelCase,
  checkBudget,
  completeCase,
  createCase,
  getCase,
  listReceipts,
  verifyCaseTrail,
} from './cases/cases.js';
import type {
  BudgetReport,
  Case,
  CaseResult,
  CaseTrailVerification,
  CreateCaseOptions,
} from './cases/cases.js';
import { definePolicy, getPolicy, policyEdits } from './cases/policies.js';
import type { PolicyChange, PolicyVersion } from './cases/policies.js';
import { createAuditCheckpoint, verifyAuditCheckpoint } from './audit/checkpoint.js';
import { checkOptions, openMigratedDatabase } from './governanceOptions.js';
import type { DecisionOptions, GovernanceOptions } from './governanceOptions.js';
import type { AuditCheckpoint, CheckpointVerification } from './audit/checkpoint.js';
import { createAuditKeys } from './audit/signing.js';
import type { AuditVerification } from './audit/verifyTrail.js';
import { createRuntime } from './governanceRuntime.js';
import { identifyCaller, parseProposalRequest } from './pipeline/proposalRequest.js';
import type { ProposalContext } from './pipeline/proposalRequest.js';
import { validateCall } from './pipeline/validateCall.js';
import { andThen } from './pipeline/validate.js';
import type { ValidationResult } from './pipeline/validate.js';
import { propose } from './proposals/propose.js';
import type { ProposeResult } from './proposals/propose.js';
import {
  getProposal,
  listEvents,
  listProposalsForConversation,
  verifyAuditTrail,
} from './proposals/proposalReads.js';
import type { ConversationPage, VerifyTrailOptions } from './proposals/proposalReads.js';
import type { AuditEvent, Proposal, ProposalWithEvents } from './proposals/proposalView.js';
import { JOB_TABLE } from '../scheduler/jobBackend.js';
import { createScheduler } from '../scheduler/scheduler.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { defaultExecutionSettings } from './workers/executionSettings.js';
import { createLaneJobHandlers } from './workers/laneJobHandlers.js';
import { getActiveApproval, getLatestApproval } from './lanes/laneReads.js';
import { executeProposal, requestApproval } from './lanes/requestApproval.js';
import type { RequestApprovalOptions } from './lanes/requestApproval.js';
import { executeApproved, sendLaneEvent } from './lanes/sendLaneEvent.js';
import type { LaneResult } from './lanes/laneResult.js';
import type { Approval } from './lanes/laneView.js';
import { replayLane } from './lanes/replayLane.js';
import type { LaneReplay } from './lanes/replayLane.js';
import { ToolRegistry } from './tools/toolRegistry.js';
import type { ToolRef } from './tools/toolRegistry.js';

export type { DecisionOptions, GovernanceOptions } from './governanceOptions.js';

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
  /** Approves a pending lane (four-eyes, role), then enqueues the resume; never runs the tool. */
  approve(
    approvalId: string,
    actorId: string,
    options?: DecisionOptions & { note?: string },
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
  /** Expires a pending lane now (the expiry job does the same at the deadline). */
  expire(approvalId: string, options?: DecisionOptions & { actorId?: string }): Promise<LaneResult>;
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
  /** The proposal's pending lane, or null. */
  getActiveApproval(proposalId: string): Promise<Approval | null>;
  /** The proposal's most recently updated lane, any status, or null. */
  getLatestApproval(proposalId: string): Promise<Approval | null>;
  /** Replays a lane's recorded events through a fresh actor for an inspector. */
  replayLane(
    approvalId: string,
    options?: { inspect?: (event: InspectionEvent) => void },
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

/**
 * Opens the database (server, embedded, or the host's ORM), checks the schema and returns
 * the facade.
 *
 * @example
 * const gov = await createGovernance({ tools: [refund], databaseUrl: process.env.DATABASE_URL });
 * const result = await gov.propose('refund', 'agent-7', { input: { orderId: 'o-1', cents: 500 } });
 */
export async function createGovernance(options: GovernanceOptions): Promise<Governance> {
  const registry = new ToolRegistry(options.tools);
  const audit = createAuditKeys(options.audit);
  const { maxInputBytes, approvalTtlSeconds } = checkOptions(options);
  const db = await openMigratedDatabase(options);
  const schedulerOptions = options.scheduler ?? {};
  let scheduler: Scheduler | null = null;
  const settings = { ...defaultExecutionSettings, ...options.execution };
  // An Agenda lock must outlast the longest run it covers, the claim's grace included.
  const longestRun = Math.max(0, ...options.tools.map((t) => t.timeoutMs));
  const lockLifetimeMs =
    schedulerOptions.lockLifetimeMs ?? longestRun + settings.leaseGraceMs + 5_000;
  const ensureScheduler = async () =>
    (scheduler ??= await createScheduler(
      { url: schedulerOptions.url ?? db.url, embedded: db.embedded && !schedulerOptions.url },
      { ...schedulerOptions, lockLifetimeMs },
    ));
  // Without a host `enqueue`, lane jobs go to Agenda; its client is ready before the first call.
  const enqueue =
    options.enqueue ??
    (
      await ensureScheduler().catch(async (e: unknown) => {
        await db.close();
        throw e;
      })
    ).enqueue;
  const rt = createRuntime({
    registry,
    db,
    limits: { maxInputBytes },
    lanes: {
      approvalTtlSeconds,
      approverRoles: options.approverRoles ?? {},
      expireRole: options.expireRole ?? null,
      resolveActor: options.resolveActor,
      enqueue,
      inspect: options.inspect,
    },
    audit,
    now: options.clock ?? (() => new Date()),
  });
  // A decision method: its options carry the event's fields and, apart from them, an `enqueue`.
  const decide =
    (type: 'APPROVE' | 'REJECT' | 'DEFER' | 'EXPIRE') =>
    (approvalId: string, actorId: string | undefined, options: unknown): Promise<LaneResult> => {
      const { enqueue, ...fields } = (options ?? {}) as DecisionOptions & Record<string, unknown>;
      const actor = actorId === undefined ? {} : { actorId };
      return sendLaneEvent(rt, approvalId, { ...fields, type, ...actor }, enqueue);
    };
  const expire = decide('EXPIRE');

  return {
    // async, so a malformed call rejects the promise rather than throwing at the call site.
    validate: async (tool, actorId, context) =>
      andThen(identifyCaller(rt, parseProposalRequest(tool, actorId, context)), (req) =>
        validateCall(rt, req),
      ),
    propose: async (tool, actorId, context) =>
      propose(rt, await identifyCaller(rt, parseProposalRequest(tool, actorId, context))),
    getProposal: (id) => getProposal(rt, id),
    listEvents: (proposalId) => listEvents(rt, proposalId),
    listProposalsForConversation: (conversationId, page) =>
      listProposalsForConversation(rt, conversationId, page),
    verifyAuditTrail: (proposalId, opts) => verifyAuditTrail(rt, proposalId, opts),
    createAuditCheckpoint: () => createAuditCheckpoint(rt),
    verifyAuditCheckpoint: (checkpoint) => verifyAuditCheckpoint(rt, checkpoint),
    requestApproval: (proposalId, opts) => requestApproval(rt, proposalId, opts),
    approve: decide('APPROVE'),
    reject: decide('REJECT'),
    defer: decide('DEFER'),
    expire: (id, opts) => expire(id, undefined, opts),
    executeApproved: (id, opts) => executeApproved(rt, id, opts?.enqueue),
    send: (id, event, opts) => sendLaneEvent(rt, id, event, opts?.enqueue),
    executeProposal: (proposalId, opts) => executeProposal(rt, proposalId, opts?.enqueue),
    async startWorkers() {
      const s = await ensureScheduler();
      // Agenda's table sits beside countersign's unless the jobs live elsewhere.
      const jobTable = schedulerOptions.url ? null : JOB_TABLE;
      await s.startWorkers(createLaneJobHandlers(rt, settings, s.enqueue, jobTable));
    },
    async stopWorkers() {
      await scheduler?.stopWorkers();
    },
    getActiveApproval: (proposalId) => getActiveApproval(rt, proposalId),
    getLatestApproval: (proposalId) => getLatestApproval(rt, proposalId),
    replayLane: (id, opts) => replayLane(rt, id, opts),
    definePolicy: (name, body, change) => definePolicy(rt, name, body, change),
    setAllowlist: (policy, casePath, tools, change) =>
      policyEdits.setAllowlist(rt, policy, casePath, tools, change),
    setBudget: (policy, casePath, budget, change) =>
      policyEdits.setBudget(rt, policy, casePath, budget, change),
    setTimeoutPolicy: (policy, timeouts, change) =>
      policyEdits.setTimeoutPolicy(rt, policy, timeouts, change),
    requireApproval: (policy, point, change) =>
      policyEdits.requireApproval(rt, policy, point, change),
    getPolicy: (name, version) => getPolicy(rt, name, version),
    createCase: async (opts) => createCase(rt, opts),
    getCase: (caseId) => getCase(rt, caseId),
    completeCase: async (caseId, opts) => completeCase(rt, caseId, opts),
    cancelCase: async (caseId, opts) => cancelCase(rt, caseId, opts),
    listReceipts: (caseId) => listReceipts(rt, caseId),
    checkBudget: (caseId) => checkBudget(rt, caseId),
    verifyCaseTrail: (caseId) => verifyCaseTrail(rt, caseId),
    migrate: () => migrate(db),
    async close() {
      await scheduler?.close();
      await db.close();
    },
  };
}
