/** A JSON value as stored in a jsonb column. */
export type StoredJson =
  null | boolean | number | string | StoredJson[] | { [key: string]: StoredJson };

/** A `tool_action_events` row as countersign writes and reads it. */
export interface EventRow {
  id: string;
  proposalId: string;
  approvalId: string | null;
  seq: number;
  type: string;
  actorId: string;
  payload: Record<string, StoredJson>;
  prevHash: string;
  hash: string;
  /** ISO timestamp, as hashed. */
  createdAt: string;
  /** The hash rule: 1 (millisecond time, no id), 2 (id, time's text) or 3 (id, epoch time). */
  hashVersion: number;
  /** Signature of the chain's head after this event; null when no key signed it. */
  signature: string | null;
  keyId: string | null;
}

/** A `case_events` row: an event of a case's own chain (`taskId`: its proposal or lane). */
export type CaseEventRow = Omit<EventRow, 'proposalId' | 'approvalId'> & {
  caseId: string;
  taskId: string | null;
};

/** A `governance_cases` row as countersign writes and reads it (timestamps as ISO text). */
export interface CaseRow {
  id: string;
  status: string;
  snapshot: Record<string, StoredJson>;
  machineId: string;
  machineVersion: number;
  version: number;
  policyName: string;
  policyVersion: number;
  policyHash: string;
  conversationId: string | null;
  createdBy: string;
  deadline: string | null;
  auditSeq: number;
  auditHead: string;
  createdAt: string;
  updatedAt: string;
}

/** A `tool_proposals` row as countersign writes and reads it. */
export interface ProposalRow {
  id: string;
  toolName: string;
  toolVersion: string;
  actorId: string;
  conversationId: string | null;
  caseId: string | null;
  status: 'proposed' | 'blocked';
  blockedOutcome: string | null;
  blockedReason: string | null;
  blockedIssues: StoredJson[] | null;
  riskTier: string;
  approvalMode: string;
  idempotencyKey: string | null;
  toolSnapshot: Record<string, StoredJson>;
  inputSnapshot: StoredJson;
  actorSnapshot: Record<string, StoredJson>;
  auditSeq: number;
  auditHead: string;
  createdAt: string;
}

/** A `tool_approvals` row as countersign writes and reads it (timestamps as ISO text). */
export interface LaneRow {
  id: string;
  proposalId: string;
  status: string;
  executionState: string | null;
  snapshot: Record<string, StoredJson>;
  machineId: string;
  machineVersion: number;
  version: number;
  expiresAt: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
  decisionNote: string | null;
  inputHash: string;
  attempt: number;
  leaseUntil: string | null;
  retryAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Where a proposal's audit chain ends: the seq and hash of its last event. */
export interface AuditHead {
  seq: number;
  hash: string;
}
