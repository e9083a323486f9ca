// The API's answers as the console reads them. Fields the server may not send yet
// (quorum, edits, editing) are optional and treated as absent.

export interface Quorum {
  count: number;
  roles: string[] | null;
  approvals: number;
  approverIds: string[];
}

export interface InputChange {
  /** A JSON Pointer into the input. */
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ApprovalEdit {
  input: unknown;
  inputHash: string;
  originalInputHash: string;
  diff: InputChange[];
  by: string;
  at: string;
}

export interface Approval {
  id: string;
  proposalId: string;
  status: string;
  executionState: 'queued' | 'running' | null;
  expiresAt: string | null;
  decidedBy: string | null;
  reason: string | null;
  note: string | null;
  inputHash: string;
  result: unknown;
  failure: { reason?: string; message?: string } | null;
  createdAt: string;
  updatedAt: string;
  quorum?: Quorum | null;
  edit?: ApprovalEdit | null;
}

export interface ProposalSummary {
  id: string;
  toolName: string;
  toolVersion: string;
  riskTier: string;
  actorId: string;
  conversationId: string | null;
  caseId: string | null;
  casePath: string | null;
  input: unknown;
}

export interface LaneSummary {
  approval: Approval;
  proposal: ProposalSummary;
}

export interface LanePage {
  items: LaneSummary[];
  nextCursor: string | null;
}

export interface AuditEvent {
  id: string;
  proposalId: string;
  approvalId: string | null;
  seq: number;
  type: string;
  actorId: string;
  payload: Record<string, unknown>;
  createdAt: string;
  conversationId?: string | null;
  caseId?: string | null;
}

/** A JSON Schema node, as far as the edit form reads one. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  description?: string;
  title?: string;
}

export interface LaneEditing {
  allowed: boolean;
  fields: string[] | null;
  inputSchema: JsonSchema;
}

export interface LaneDetail extends LaneSummary {
  events: AuditEvent[];
  editing?: LaneEditing;
}

export type Verification =
  | { ok: true; events: number; anchored: boolean }
  | { ok: false; problem: string; check?: string; seq: number; detail?: string; anchored: boolean };

export interface Budget {
  effects: number;
  timeMs: number;
  cost: number;
}

export interface BudgetLevel {
  path: string;
  limit: { maxEffects?: number; maxEffectTimeMs?: number; maxCost?: number };
  used: Budget;
  reserved: Budget;
  remaining: { maxEffects?: number; maxEffectTimeMs?: number; maxCost?: number };
}

export interface Case {
  id: string;
  status: string;
  policy: { name: string; version: number; hash: string };
  conversationId: string | null;
  createdBy: string;
  createdAt: string;
  deadline: string | null;
  closed: { by: string; at: string; reason: string | null } | null;
}

/** A page of `GET /cases`. */
export interface CasePage {
  items: (Case & { openLanes: number })[];
  nextCursor: string | null;
}

export interface CaseView {
  case: Case;
  budget: { caseId: string; levels: BudgetLevel[] } | null;
}

export interface Receipt {
  errorType: string;
  scope: string;
  taskId: string | null;
  detail: string;
  timestamp: string;
}

/** A refused call's body: `error` a code, `reason` its detail, `message` for people. */
export interface Refusal {
  ok?: false;
  error: string;
  reason?: string;
  message?: string;
  issues?: { path?: (string | number)[] | string; message: string }[];
  refusals?: { laneId: string; error: string; reason?: string }[];
}
