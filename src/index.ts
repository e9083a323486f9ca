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
export type { AuditVerification } from './audit/auditChain.js';
export { telemetryChannels } from './telemetry.js';
export type { TelemetryChannelName } from './telemetry.js';
export { countersignEntities } from '../persistence/entities.js';
export { CountersignError, isCountersignError } from './errors/countersignError.js';
export { ConfigurationError, isConfigurationError } from './errors/configurationError.js';
export { DatabaseError, isDatabaseError } from './errors/databaseError.js';
export { InvalidRequestError, isInvalidRequestError } from './errors/invalidRequestError.js';
