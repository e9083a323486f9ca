import type { LaneRow } from '../../persistence/rows.js';
import { approversOf, currentInputHash } from '../../machines/approvalLaneGuards.js';
import type {
  InputChange,
  LaneContext,
  LaneFailure,
  LaneStatus,
} from '../../machines/laneTypes.js';

/** A quorum lane's progress: `approvals` of `count` (the inbox shows "1 of 2"). */
export interface QuorumProgress {
  count: number;
  roles: string[] | null;
  /** Distinct approvals of the input now up for approval. */
  approvals: number;
  approverIds: string[];
  /** Counted rejections, when the quorum counts them. */
  rejections: number;
}

/** An approver's edit of the input: what will run instead of the proposal's input. */
export interface ApprovalEdit {
  input: unknown;
  inputHash: string;
  originalInputHash: string;
  diff: InputChange[];
  by: string;
  at: string;
}

/** An approval lane as hosts see it. */
export interface Approval {
  id: string;
  proposalId: string;
  status: LaneStatus;
  /** Within `execution_pending`: `queued` or `running`. */
  executionState: 'queued' | 'running' | null;
  expiresAt: Date | null;
  decidedBy: string | null;
  reason: string | null;
  note: string | null;
  /** SHA-256 of the exact input this lane is about; a decision approves only that input. */
  inputHash: string;
  /** The edited input up for approval (and, once approved, the one that runs); or null. */
  edit: ApprovalEdit | null;
  /** Null: one approval decides. */
  quorum: QuorumProgress | null;
  attempt: number;
  leaseUntil: Date | null;
  result: unknown;
  failure: LaneFailure | null;
  /** Optimistic-lock version; grows by one with every accepted event. */
  version: number;
  machineId: string;
  machineVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

const date = (v: string | null) => (v === null ? null : new Date(v));

function quorumProgress(context: LaneContext): QuorumProgress {
  const approverIds = approversOf(context, currentInputHash(context));
  return {
    count: context.quorum!.count,
    roles: context.quorum!.roles ?? null,
    approvals: approverIds.length,
    approverIds,
    rejections: context.rejections.length,
  };
}

export function toApproval(row: LaneRow): Approval {
  const context = (row.snapshot.context ?? {}) as unknown as Partial<LaneContext>;
  return {
    id: row.id,
    proposalId: row.proposalId,
    status: row.status as LaneStatus,
    executionState: row.executionState as Approval['executionState'],
    expiresAt: date(row.expiresAt),
    decidedBy: row.decidedBy,
    reason: row.decisionReason,
    note: row.decisionNote,
    inputHash: row.inputHash,
    edit: context.edit
      ? {
          input: context.edit.input,
          inputHash: context.edit.inputHash,
          originalInputHash: context.edit.originalInputHash,
          diff: context.edit.diff,
          by: context.edit.by,
          at: context.edit.at,
        }
      : null,
    quorum: context.quorum ? quorumProgress(context as LaneContext) : null,
    attempt: row.attempt,
    leaseUntil: date(row.leaseUntil),
    result: context.result ?? null,
    failure: context.failure ?? null,
    version: row.version,
    machineId: row.machineId,
    machineVersion: row.machineVersion,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}
