import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { blockingLaneStatuses } from '../machines/laneTypes.js';
import { findByIds, isUuid } from './batchSlots.js';
import { eventValues, insertEventsWhen } from './eventSql.js';
import { caseColumns, fromColumns, iso } from './rowColumns.js';
import { literalList, runStatement } from './statement.js';
import type { AuditHead, CaseRow, EventRow, ProposalRow, StoredJson } from './rows.js';
import { ToolProposal } from './toolProposal.entity.js';

const json = (v: unknown) => JSON.stringify(v);

/**
 * The case version a proposal in a case was judged against: the proposal is stored only if
 * the case is still at it.
 */
export interface CaseGuard {
  caseId: string;
  version: number;
}

/** What became of an insert: stored, a duplicate key, or the case moved (as it now is). */
export type ProposalInsert =
  | { inserted: true }
  | { inserted: false; reason: 'duplicate' }
  | { inserted: false; reason: 'case_moved'; kase: CaseRow | null };

/** The insert of a proposal and its first event; guarded, only if its case is at a version. */
function insertSql(guarded: boolean): string {
  return `with ${guarded ? 'kase as (select * from governance_cases where id = ?::text),' : ''}
     proposal as (
       insert into tool_proposals (id, tool_name, tool_version, actor_id, conversation_id, case_id,
         status, blocked_outcome, blocked_reason, blocked_issues, risk_tier, approval_mode,
         idempotency_key, tool_snapshot, input_snapshot, actor_snapshot, audit_seq, audit_head,
         created_at)
       select ?::uuid, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text,
         ?::jsonb, ?::text, ?::text, ?::text, ?::jsonb, ?::jsonb, ?::jsonb, ?::int, ?::text,
         ?::timestamptz
       ${guarded ? 'where exists (select 1 from kase where version = ?::int)' : ''}
       on conflict (idempotency_key) do nothing
       returning id),
     ev as (${insertEventsWhen('proposal', 1, 'proposal_id')})
     select (select count(*) from ev)::int as inserted${
       guarded
         ? `, exists (select 1 from kase) as case_found, k.*
       from (select 1) as one left join kase k on k.version is distinct from ?::int`
         : ''
     }`;
}
const INSERT = insertSql(false);
const GUARDED_INSERT = insertSql(true);

/**
 * Inserts a proposal and its first event in one statement (hence one transaction). Writes
 * nothing when a proposal with the same idempotency key exists, or when `guard`'s case is
 * no longer at its version — then the answer carries the case's row as it is, so that the
 * call can be judged again without another read.
 */
export async function insertProposal(
  em: EntityManager,
  p: ProposalRow,
  event: EventRow,
  guard: CaseGuard | null = null,
): Promise<ProposalInsert> {
  const [row] = await runStatement(em, guard ? GUARDED_INSERT : INSERT, [
    ...(guard ? [guard.caseId] : []),
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
    ...(guard ? [guard.version] : []),
    ...eventValues(event),
    ...(guard ? [guard.version] : []),
  ]);
  if (row?.inserted === 1) return { inserted: true };
  // Gone, or at another version (then the row came back with the answer).
  if (guard && (row?.case_found !== true || row.id != null)) {
    const kase = row?.id != null ? fromColumns(caseColumns, row) : null;
    return { inserted: false, reason: 'case_moved', kase };
  }
  return { inserted: false, reason: 'duplicate' };
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
    createdAt: iso(e.createdAt)!,
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
  page: { limit: number; after: string | null },
): Promise<ProposalRow[]> {
  // Keyset paging: strictly after the given proposal in (created_at, id) descending order.
  const after = page.after && isUuid(page.after) ? page.after : null;
  const ids = await em.execute<{ id: string }[]>(
    `select p.id from tool_proposals p
      where p.conversation_id = ?
        and (?::uuid is null or (p.created_at, p.id) <
          (select a.created_at, a.id from tool_proposals a where a.id = ?::uuid))
      order by p.created_at desc, p.id desc limit ?`,
    [conversationId, after, after, page.limit],
  );
  if (ids.length === 0) return [];
  const found = await em.find(
    ToolProposal,
    { id: { $in: ids.map((r) => r.id) } },
    { orderBy: { createdAt: 'desc', id: 'desc' } },
  );
  return found.map(toProposalRow);
}

/** What opening a lane needs of its proposal, with the statuses of lanes that block a new one. */
export interface ProposalForLane {
  status: string;
  blockedReason: string | null;
  toolName: string;
  toolVersion: string;
  approvalMode: string;
  riskTier: string;
  toolSnapshot: Record<string, StoredJson>;
  actorId: string;
  conversationId: string | null;
  caseId: string | null;
  /** Holds a call in a case's path and policy version (part of its call digest). */
  actorSnapshot: Record<string, StoredJson>;
  inputSnapshot: StoredJson;
  head: AuditHead;
  /** Statuses of the proposal's lanes that keep another from opening (`blockingLaneStatuses`). */
  blockingLanes: string[];
}

const PROPOSAL_FOR_LANE = `select p.id, p.status, p.blocked_reason, p.tool_name, p.tool_version,
    p.approval_mode, p.risk_tier, p.tool_snapshot, p.actor_id, p.conversation_id, p.case_id,
    p.actor_snapshot, p.input_snapshot, p.audit_seq, p.audit_head,
    array(select a.status::text from tool_approvals a where a.proposal_id = p.id
      and a.status in (${literalList(blockingLaneStatuses)})) as blocking
  from tool_proposals p`;

/** Reads proposals for opening lanes, in one round trip; by proposal id. */
export async function findProposalsForLane(
  em: EntityManager,
  proposalIds: readonly string[],
): Promise<Map<string, ProposalForLane>> {
  const rows = await findByIds(em, PROPOSAL_FOR_LANE, 'p.id', proposalIds);
  return new Map(
    [...rows].map(([id, row]) => [
      id,
      {
        status: row.status as string,
        blockedReason: (row.blocked_reason as string | null) ?? null,
        toolName: row.tool_name as string,
        toolVersion: row.tool_version as string,
        approvalMode: row.approval_mode as string,
        riskTier: row.risk_tier as string,
        toolSnapshot: row.tool_snapshot as Record<string, StoredJson>,
        actorId: row.actor_id as string,
        conversationId: (row.conversation_id as string | null) ?? null,
        caseId: (row.case_id as string | null) ?? null,
        actorSnapshot: row.actor_snapshot as Record<string, StoredJson>,
        inputSnapshot: row.input_snapshot as StoredJson,
        head: { seq: row.audit_seq as number, hash: row.audit_head as string },
        blockingLanes: row.blocking as string[],
      },
    ]),
  );
}

/** Proposal ids in id order after `after` (a page of at most `limit`). */
export async function findProposalIds(
  em: EntityManager,
  after: string | null,
  limit: number,
): Promise<string[]> {
  const rows = await em.execute(
    `select id from tool_proposals where (?::uuid is null or id > ?::uuid) order by id limit ?`,
    [after, after, limit],
  );
  return rows.map((r) => r.id as string);
}
