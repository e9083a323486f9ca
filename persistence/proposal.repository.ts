import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { eventValues, insertEventsWhen } from './eventSql.js';
import { runStatement } from './statement.js';
import type { EventRow, ProposalRow, StoredJson } from './rows.js';
import { ToolProposal } from './toolProposal.entity.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `id` can be a row id; anything else cannot exist, so no query is needed. */
export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

const json = (v: unknown) => JSON.stringify(v);

/**
 * Inserts a proposal and its first event in one statement (hence one transaction). Returns
 * false, having written nothing, when a proposal with the same idempotency key exists.
 */
export async function insertProposal(
  em: EntityManager,
  p: ProposalRow,
  event: EventRow,
): Promise<boolean> {
  const rows = await runStatement(
    em,
    `with proposal as (
       insert into tool_proposals (id, tool_name, tool_version, actor_id, conversation_id, case_id,
         status, blocked_outcome, blocked_reason, blocked_issues, risk_tier, approval_mode,
         idempotency_key, tool_snapshot, input_snapshot, actor_snapshot, audit_seq, audit_head,
         created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?,
         ?::timestamptz)
       on conflict (idempotency_key) do nothing
       returning id)
     ${insertEventsWhen('proposal', 1, 'proposal_id')}`,
    [
      p.id,
      p.toolName,
      p.toolVersion,
      p.actorId,
      p.conversationId,
      p.caseId,
      p.status,
      p.blockedOutcome,
      p.blockedReason,
      p.blockedIssues === null ? null : json(p.blockedIssues),
      p.riskTier,
      p.approvalMode,
      p.idempotencyKey,
      json(p.toolSnapshot),
      json(p.inputSnapshot),
      json(p.actorSnapshot),
      p.auditSeq,
      p.auditHead,
      p.createdAt,
      ...eventValues(event),
    ],
  );
  return rows.length === 1;
}

type ProposalEntity = InferEntity<typeof ToolProposal>;

function toProposalRow(e: ProposalEntity): ProposalRow {
  return {
    id: e.id,
    toolName: e.toolName,
    toolVersion: e.toolVersion,
    actorId: e.actorId,
    conversationId: e.conversationId ?? null,
    caseId: e.caseId ?? null,
    status: e.status as ProposalRow['status'],
    blockedOutcome: e.blockedOutcome ?? null,
    blockedReason: e.blockedReason ?? null,
    blockedIssues: (e.blockedIssues ?? null) as StoredJson[] | null,
    riskTier: e.riskTier,
    approvalMode: e.approvalMode,
    idempotencyKey: e.idempotencyKey ?? null,
    toolSnapshot: e.toolSnapshot as Record<string, StoredJson>,
    inputSnapshot: (e.inputSnapshot ?? null) as StoredJson,
    actorSnapshot: e.actorSnapshot as Record<string, StoredJson>,
    auditSeq: e.auditSeq,
    auditHead: e.auditHead,
    createdAt: e.createdAt.toISOString(),
  };
}

export async function findProposal(em: EntityManager, id: string): Promise<ProposalRow | null> {
  if (!isUuid(id)) return null;
  const found = await em.findOne(ToolProposal, { id });
  return found ? toProposalRow(found) : null;
}

export async function findProposalByKey(
  em: EntityManager,
  idempotencyKey: string,
): Promise<ProposalRow | null> {
  const found = await em.findOne(ToolProposal, { idempotencyKey });
  return found ? toProposalRow(found) : null;
}

/** A conversation's proposals, newest first. */
export async function findProposalsForConversation(
  em: EntityManager,
  conversationId: string,
): Promise<ProposalRow[]> {
  const found = await em.find(
    ToolProposal,
    { conversationId },
    { orderBy: { createdAt: 'desc', id: 'desc' } },
  );
  return found.map(toProposalRow);
}
