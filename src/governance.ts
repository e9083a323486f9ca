import { migrate } from '../persistence/migrate.js';
import { listCases } from './cases/caseList.js';
import {
  cancelCase,
  checkBudget,
  completeCase,
  createCase,
  getCase,
  listReceipts,
  verifyCaseTrail,
} from './cases/cases.js';
import { definePolicy, getPolicy, policyEdits } from './cases/policies.js';
import { createAuditCheckpoint, verifyAuditCheckpoint } from './audit/checkpoint.js';
import { checkOptions, executionSettings, openMigratedDatabase } from './governanceOptions.js';
import type { DecisionOptions, GovernanceOptions } from './governanceOptions.js';
import type { Governance } from './governanceApi.js';
import { asOpenFailure } from './errors/databaseError.js';
import { createAuditKeys } from './audit/signing.js';
import { createRuntime } from './governanceRuntime.js';
import { identifyCaller, parseProposalRequest } from './pipeline/proposalRequest.js';
import { validateCall } from './pipeline/validateCall.js';
import { andThen } from './pipeline/validate.js';
import { propose } from './proposals/propose.js';
import {
  getProposal,
  listEvents,
  listProposalsForConversation,
  verifyAuditTrail,
} from './proposals/proposalReads.js';
import { JOB_TABLE } from '../scheduler/jobBackend.js';
import { createScheduler } from '../scheduler/scheduler.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { createLaneJobHandlers } from './workers/laneJobHandlers.js';
import { listApprovals } from './lanes/laneList.js';
import { awaitOutcome } from './lanes/awaitOutcome.js';
import { decideMany } from './lanes/decideMany.js';
import { createDecisionLink, useDecisionLink } from './lanes/decisionLinks.js';
import { createOutcomeHub } from './lanes/outcomeHub.js';
import { getActiveApproval, getApproval, getLatestApproval } from './lanes/laneReads.js';
import { executeProposal, requestApproval } from './lanes/requestApproval.js';
import { executeApproved, expireNow, sendLaneEvent } from './lanes/sendLaneEvent.js';
import type { LaneResult } from './lanes/laneResult.js';
import { replayLane } from './lanes/replayLane.js';
import { withRuntime } from './runtimeOf.js';
import { recordMetrics } from './metrics.js';
import { ToolRegistry } from './tools/toolRegistry.js';

export type { DecisionOptions, GovernanceOptions } from './governanceOptions.js';
export type { Governance } from './governanceApi.js';

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
  const linkKeys = createAuditKeys(options.decisionLinks);
  const { maxInputBytes, approvalTtlSeconds } = checkOptions(options);
  // Unreachable, missing, in use: a failure to open is a DatabaseError with its code.
  const db = await openMigratedDatabase(options).catch((error: unknown) => {
    throw asOpenFailure('open the database', error);
  });
  const schedulerOptions = options.scheduler ?? {};
  let scheduler: Scheduler | null = null;
  const settings = executionSettings(options.execution);
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
      directory: options.resolveActor,
      enqueue,
      inspect: options.inspect,
    },
    audit,
    now: options.clock ?? (() => new Date()),
  });
  // A decision method: its options carry the event's fields and, apart from them, an `enqueue`.
  const decide =
    (type: 'APPROVE' | 'REJECT' | 'DEFER') =>
    (approvalId: string, actorId: string, options: unknown): Promise<LaneResult> => {
      const { enqueue, ...fields } = (options ?? {}) as DecisionOptions & Record<string, unknown>;
      return sendLaneEvent(rt, approvalId, { ...fields, type, actorId }, enqueue);
    };
  const stopMetrics = recordMetrics(rt);
  // Opens nothing until the first waiter; closing it answers every waiter `closed`.
  const outcomes = createOutcomeHub(rt, { pollIntervalMs: options.outcomePollIntervalMs });

  return withRuntime<Governance>(
    {
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
      expire: (id, opts) => expireNow(rt, id, opts),
      createDecisionLink: (laneId, opts) => createDecisionLink(rt, linkKeys, laneId, opts),
      useDecisionLink: (token, fields, opts) =>
        useDecisionLink(rt, linkKeys, token, fields, opts?.enqueue),
      decideMany: (decisions, actorId, opts) => decideMany(rt, decisions, actorId, opts?.enqueue),
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
      listApprovals: (query) => listApprovals(rt, query),
      getApproval: (id) => getApproval(rt, id),
      awaitOutcome: (proposalId, opts) => awaitOutcome(rt, outcomes, proposalId, opts),
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
      listCases: (query) => listCases(rt, query),
      completeCase: async (caseId, opts) => completeCase(rt, caseId, opts),
      cancelCase: async (caseId, opts) => cancelCase(rt, caseId, opts),
      listReceipts: (caseId) => listReceipts(rt, caseId),
      checkBudget: (caseId) => checkBudget(rt, caseId),
      verifyCaseTrail: (caseId) => verifyCaseTrail(rt, caseId),
      migrate: () => migrate(db),
      async close() {
        stopMetrics();
        await outcomes.close();
        await scheduler?.close();
        await db.close();
      },
    },
    rt,
  );
}
