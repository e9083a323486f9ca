import type { LaneRow } from '../../persistence/rows.js';
import type { LaneContext, LaneFailure, LaneStatus } from '../../machines/laneTypes.js';

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
