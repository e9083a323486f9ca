// The public API of countersign. Everything else is internal and may change without notice.
export { createGovernance } from './governance.js';
export type { Governance, GovernanceOptions } from './governance.js';
export { defineTool } from './tools/defineTool.js';
export type {
  ApprovalMode,
  AuthorizeContext,
  AuthorizeDecision,
  RiskTier,
  RunContext,
  ToolDefinition,
  ToolSpec,
} from './tools/defineTool.js';
export type { ToolRef } from './tools/toolRegistry.js';
export type { ProposalContext } from './pipeline/proposalRequest.js';
export type {
  ActorSnapshot,
  BlockedOutcome,
  ToolSnapshot,
  ValidatedAttrs,
  ValidationResult,
} from './pipeline/validate.js';
export type { ProposeResult } from './proposals/propose.js';
export type { AuditEvent, Proposal, ProposalWithEvents } from './proposals/proposalView.js';
export type {
  AuditCheck,
  AuditProblem,
  AuditVerification,
  CheckpointCoverage,
} from './audit/verifyTrail.js';
export type { AuditCheckpoint, CheckpointVerification } from './audit/checkpoint.js';
export type { AuditOptions, AuditSigningKey, AuditVerificationKey } from './audit/signing.js';
export type { ConversationPage, VerifyTrailOptions } from './proposals/proposalReads.js';
export type { ActorIdentity, Enqueue, ResolveActor } from './governanceRuntime.js';
export type { DecisionOptions } from './governance.js';
export type { RequestApprovalOptions } from './lanes/requestApproval.js';
export type { LaneError, LaneResult } from './lanes/laneResult.js';
export type { Approval, ApprovalEdit, QuorumProgress } from './lanes/laneView.js';
export type { Editing } from './tools/toolSchema.js';
export type { ApprovalQuorum, InputChange } from '../machines/laneTypes.js';
export type { LaneReplay } from './lanes/replayLane.js';
export type { ApprovalPage, ApprovalQuery, ApprovalSummary } from './lanes/laneList.js';
export type { AwaitOutcomeOptions, Outcome } from './lanes/awaitOutcome.js';
export type { BatchDecision, BatchRefusal, BatchResult } from './lanes/decideMany.js';
export type {
  DecisionLinkOptions,
  DecisionLinkRefusal,
  DecisionLinkResult,
  UseDecisionLinkResult,
} from './lanes/decisionLinks.js';
export { createServer } from './http/server.js';
export type { CountersignServer, ServerOptions } from './http/server.js';
export type { EventStreamOptions } from './http/eventStream.js';
export { createToken, hashToken, readTokensFile, tokenDirectory } from './http/tokens.js';
export type { ResolveToken, TokenActor, TokenEntry } from './http/tokens.js';
export type { HostLaneEvent } from './lanes/laneEventSchema.js';
export type { LaneJobName, LaneJobRequest } from '../scheduler/laneJobs.js';
export type { LaneFailure, LaneStatus } from '../machines/laneTypes.js';
export { telemetryChannels } from './telemetry.js';
export { registerPrometheusMetrics } from './prometheusMetrics.js';
export type { TelemetryChannelName } from './telemetry.js';
export { countersignEntities } from '../persistence/entities.js';
export { CountersignError, isCountersignError } from './errors/countersignError.js';
export { ConfigurationError, isConfigurationError } from './errors/configurationError.js';
export { DatabaseError, isDatabaseError } from './errors/databaseError.js';
export { InvalidRequestError, isInvalidRequestError } from './errors/invalidRequestError.js';
export { LaneSnapshotError, isLaneSnapshotError } from './errors/laneSnapshotError.js';
export { CaseSnapshotError, isCaseSnapshotError } from './errors/caseSnapshotError.js';
export { isPolicyError, PolicyError } from './errors/policyError.js';
export type { PolicyChange, PolicyVersion } from './cases/policies.js';
export type {
  BudgetLevelReport,
  BudgetReport,
  Case,
  CaseResult,
  CaseTrailVerification,
  CreateCaseOptions,
} from './cases/cases.js';
export type { CasePage, CaseQuery, ListedCaseView } from './cases/caseList.js';
export type {
  ApprovalPoint,
  ApprovalTimeoutAction,
  BudgetAmount,
  BudgetLimits,
  CasePath,
  CasePolicyRef,
  CaseStatus,
  EscalationPolicy,
  GovernanceReceipt,
  PolicyBody,
  TimeoutPolicy,
} from '../machines/caseTypes.js';
