import type { EventRow, ProposalRow, StoredJson } from '../../persistence/rows.js';
import type { ActorSnapshot, BlockedOutcome, ToolSnapshot } from '../pipeline/validate.js';
import type { ApprovalMode, RiskTier } from '../tools/defineTool.js';
import type { ApprovalEdit } from '../lanes/laneView.js';

/** A stored proposal. `status` is `blocked` when a gate refused it (see `outcome`). */
export interface Proposal {
  id: string;
  toolName: string;
  toolVersion: string;
  actorId: string;
  conversationId: string | null;
  caseId: string | null;
  status: 'proposed' | 'blocked';
  outcome: Exclude<BlockedOutcome, 'unsupported'> | null;
  reason: string | null;
  issues: StoredJson[] | null;
  riskTier: RiskTier;
  approvalMode: ApprovalMode;
  idempotencyKey: string | null;
  toolSnapshot: ToolSnapshot;
  /** The validated input (null for a proposal blocked at the input gate). */
  inputSnapshot: StoredJson;
  actorSnapshot: ActorSnapshot;
  /**
   * The edit an approver made on the latest lane (`getProposal` only, absent when none):
   * the input that runs instead of `inputSnapshot`, with both hashes and the change.
   */
  edit?: ApprovalEdit;
  createdAt: Date;
}

/** One audit row of a proposal's hash chain, as stored (its time as a Date). */
export type AuditEvent = Omit<EventRow, 'createdAt'> & { createdAt: Date };

/** A proposal with its audit events, oldest first. */
export interface ProposalWithEvents extends Proposal {
  events: AuditEvent[];
}

export function toProposal(row: ProposalRow): Proposal {
  return {
    id: row.id,
    toolName: row.toolName,
    toolVersion: row.toolVersion,
    actorId: row.actorId,
    conversationId: row.conversationId,
    caseId: row.caseId,
    status: row.status,
    outcome: row.blockedOutcome as Proposal['outcome'],
    reason: row.blockedReason,
    issues: row.blockedIssues,
    riskTier: row.riskTier as RiskTier,
    approvalMode: row.approvalMode as ApprovalMode,
    idempotencyKey: row.idempotencyKey,
    toolSnapshot: row.toolSnapshot as unknown as ToolSnapshot,
    inputSnapshot: row.inputSnapshot,
    actorSnapshot: row.actorSnapshot as unknown as ActorSnapshot,
    createdAt: new Date(row.createdAt),
  };
}

export function toAuditEvent(row: EventRow): AuditEvent {
  return { ...row, createdAt: new Date(row.createdAt) };
}
