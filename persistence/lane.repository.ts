import type { EntityManager } from '@mikro-orm/postgresql';
import { insertEventsWhen } from './eventSql.js';
import { isUuid } from './proposal.repository.js';
import type { AuditHead, EventRow, LaneRow, StoredJson } from './rows.js';

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null ? null : String(v));

function toLaneRow(r: Record<string, unknown>): LaneRow {
  return {
    id: r.id as string,
    proposalId: r.proposal_id as string,
    status: r.status as string,
    executionState: (r.execution_state as string | null) ?? null,
    snapshot: r.snapshot as Record<string, StoredJson>,
    machineId: r.machine_id as string,
    machineVersion: r.machine_version as number,
    version: r.version as number,
    expiresAt: iso(r.expires_at),
    decidedBy: (r.decided_by as string | null) ?? null,
    decisionReason: (r.decision_reason as string | null) ?? null,
    decisionNote: (r.decision_note as string | null) ?? null,
    inputHash: r.input_hash as string,
    attempt: r.attempt as number,
    leaseUntil: iso(r.lease_until),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

/** A lane with its proposal's audit head and proposer, read in one round trip. */
export async function findLaneForEvent(
  em: EntityManager,
  laneId: string,
): Promise<{ lane: LaneRow; head: AuditHead; proposerId: string } | null> {
  if (!isUuid(laneId)) return null;
  const [row] = await em.execute(
    `select a.*, p.audit_seq, p.audit_head, p.actor_id as proposer_id
       from tool_approvals a join tool_proposals p on p.id = a.proposal_id where a.id = ?`,
    [laneId],
  );
  if (!row) return null;
  return {
    lane: toLaneRow(row),
    head: { seq: row.audit_seq as number, hash: row.audit_head as string },
    proposerId: row.proposer_id as string,
  };
}

const LANE_COLUMNS = [
  'status',
  'execution_state',
  'snapshot',
  'machine_id',
  'machine_version',
  'version',
  'expires_at',
  'decided_by',
  'decision_reason',
  'decision_note',
  'input_hash',
  'attempt',
  'lease_until',
  'created_at',
  'updated_at',
] as const;
const CASTS: Partial<Record<(typeof LANE_COLUMNS)[number], string>> = {
  snapshot: '::jsonb',
  expires_at: '::timestamptz',
  lease_until: '::timestamptz',
  created_at: '::timestamptz',
  updated_at: '::timestamptz',
};

function laneValues(lane: LaneRow): unknown[] {
  return [
    lane.status,
    lane.executionState,
    JSON.stringify(lane.snapshot),
    lane.machineId,
    lane.machineVersion,
    lane.version,
    lane.expiresAt,
    lane.decidedBy,
    lane.decisionReason,
    lane.decisionNote,
    lane.inputHash,
    lane.attempt,
    lane.leaseUntil,
    lane.createdAt,
    lane.updatedAt,
  ];
}

/**
 * The one statement every lane write uses. The proposal's audit head is the serialisation
 * point: it moves only from `expectedSeq`, every lane write moves it, so of two racing
 * writes to one proposal exactly one matches. The lane write and the events run only after
 * the head moved, and `countersign_assert` aborts the whole statement should the lane write
 * not match, so the statement writes everything or nothing. Returns false on a lost race.
 */
async function writeLane(
  em: EntityManager,
  laneSql: { sql: string; params: unknown[] },
  proposalId: string,
  expectedSeq: number,
  head: AuditHead,
  events: readonly EventRow[],
): Promise<boolean> {
  const ev = insertEventsWhen('lane', events);
  const [row] = await em.execute(
    `with head as (
       update tool_proposals set audit_seq = ?, audit_head = ? where id = ? and audit_seq = ? returning id),
     lane as (${laneSql.sql}),
     ev as (${ev.sql})
     select (select count(*) from head)::int as heads,
            countersign_assert((select count(*) from head) = (select count(*) from lane),
              'lane changed without moving its audit head') as consistent`,
    [head.seq, head.hash, proposalId, expectedSeq, ...laneSql.params, ...ev.params],
  );
  return (row?.heads as number) === 1;
}

/** Inserts a new lane with its opening events. */
export function insertLane(
  em: EntityManager,
  lane: LaneRow,
  expectedSeq: number,
  head: AuditHead,
  events: readonly EventRow[],
): Promise<boolean> {
  const placeholders = LANE_COLUMNS.map((c) => `?${CASTS[c] ?? ''}`).join(', ');
  return writeLane(
    em,
    {
      sql: `insert into tool_approvals (id, proposal_id, ${LANE_COLUMNS.join(', ')})
            select ?, ?, ${placeholders} where exists (select 1 from head) returning id`,
      params: [lane.id, lane.proposalId, ...laneValues(lane)],
    },
    lane.proposalId,
    expectedSeq,
    head,
    events,
  );
}

/** Replaces a lane's row if it is still at `expectedVersion`; `lane.version` is the new one. */
export function updateLane(
  em: EntityManager,
  lane: LaneRow,
  expectedVersion: number,
  expectedSeq: number,
  head: AuditHead,
  events: readonly EventRow[],
): Promise<boolean> {
  const sets = LANE_COLUMNS.map((c) => `${c} = ?${CASTS[c] ?? ''}`).join(', ');
  return writeLane(
    em,
    {
      sql: `update tool_approvals set ${sets}
            where id = ? and version = ? and exists (select 1 from head) returning id`,
      params: [...laneValues(lane), lane.id, expectedVersion],
    },
    lane.proposalId,
    expectedSeq,
    head,
    events,
  );
}

/** The proposal's pending lane, if any. */
export async function findPendingLane(
  em: EntityManager,
  proposalId: string,
): Promise<LaneRow | null> {
  if (!isUuid(proposalId)) return null;
  const [row] = await em.execute(
    `select * from tool_approvals where proposal_id = ? and status = 'pending'`,
    [proposalId],
  );
  return row ? toLaneRow(row) : null;
}

/** The proposal's most recently updated lane, any status. */
export async function findLatestLane(
  em: EntityManager,
  proposalId: string,
): Promise<LaneRow | null> {
  if (!isUuid(proposalId)) return null;
  const [row] = await em.execute(
    `select * from tool_approvals where proposal_id = ? order by updated_at desc, version desc limit 1`,
    [proposalId],
  );
  return row ? toLaneRow(row) : null;
}

/** Statuses of the proposal's lanes that still block a new one (open, or executed). */
export async function findBlockingLaneStatuses(
  em: EntityManager,
  proposalId: string,
): Promise<string[]> {
  const rows = await em.execute(
    `select status from tool_approvals where proposal_id = ?
       and status in ('pending', 'approved', 'execution_pending', 'executed')`,
    [proposalId],
  );
  return rows.map((r) => r.status as string);
}
