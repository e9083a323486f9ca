import type { EntityManager } from '@mikro-orm/postgresql';
import { eventValues, insertEventsWhen, NO_EVENT } from './eventSql.js';
import { runStatement } from './statement.js';
import { isUuid } from './proposal.repository.js';
import type { AuditHead, EventRow, LaneRow, StoredJson } from './rows.js';

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));

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
    retryAt: iso(r.retry_at),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

/** A lane with what a step needs of its proposal, read in one round trip. */
export interface LaneForStep {
  lane: LaneRow;
  head: AuditHead;
  proposerId: string;
  toolName: string;
  toolVersion: string;
  inputSnapshot: StoredJson;
}

const LANE_FOR_STEP = `select a.*, p.audit_seq, p.audit_head, p.actor_id as proposer_id,
    p.tool_name, p.tool_version, p.input_snapshot
  from tool_approvals a join tool_proposals p on p.id = a.proposal_id`;

function toLaneForStep(row: Record<string, unknown>): LaneForStep {
  return {
    lane: toLaneRow(row),
    head: { seq: row.audit_seq as number, hash: row.audit_head as string },
    proposerId: row.proposer_id as string,
    toolName: row.tool_name as string,
    toolVersion: row.tool_version as string,
    inputSnapshot: row.input_snapshot as StoredJson,
  };
}

/** Batches of up to this many lanes use prepared statements, in a few padded sizes. */
export const PREPARED_BATCH = 32;

/**
 * Slots for `n` rows: the next power of two up to {@link PREPARED_BATCH}, so batches of any
 * size share a handful of prepared statement texts; larger ones run unprepared at their
 * exact size. Unused slots are filled with rows that match nothing.
 */
function slotsFor(n: number): { slots: number; prepare: boolean } {
  return n > PREPARED_BATCH ? { slots: n, prepare: false } : { slots: pow2(n), prepare: true };
}

const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));

const idSlots = (slots: number) => Array.from({ length: slots }, () => '?::uuid').join(', ');

const padded = <T>(rows: readonly T[], slots: number, filler: T): T[] =>
  rows.concat(Array.from({ length: slots - rows.length }, () => filler));

/** Lanes with what a step needs of their proposals, read in one round trip; by lane id. */
export async function findLanesForStep(
  em: EntityManager,
  laneIds: readonly string[],
): Promise<Map<string, LaneForStep>> {
  const ids = [...new Set(laneIds.filter(isUuid))];
  if (ids.length === 0) return new Map();
  const { slots, prepare } = slotsFor(ids.length);
  const rows = await runStatement(
    em,
    `${LANE_FOR_STEP} where a.id in (${idSlots(slots)})`,
    padded<string | null>(ids, slots, null),
    prepare,
  );
  return new Map(rows.map((row) => [row.id as string, toLaneForStep(row)]));
}

export async function findLaneForStep(
  em: EntityManager,
  laneId: string,
): Promise<LaneForStep | null> {
  return (await findLanesForStep(em, [laneId])).get(laneId) ?? null;
}

/** Lanes whose next step is due at `now`, longest due first; see the reconciler for the rules. */
export async function findDueLanes(
  em: EntityManager,
  kind: 'expiry' | 'resume' | 'execution' | 'lease',
  now: string,
  graceMs: number,
  limit: number,
): Promise<LaneForStep[]> {
  const where = {
    expiry: `a.status = 'pending' and a.expires_at <= ?::timestamptz`,
    resume: `a.status = 'approved' and a.updated_at <= ?::timestamptz - make_interval(secs => ? / 1000.0)`,
    execution: `a.status = 'execution_pending' and a.execution_state = 'queued'
      and coalesce(a.retry_at, a.updated_at + make_interval(secs => ? / 1000.0)) <= ?::timestamptz`,
    lease: `a.status = 'execution_pending' and a.execution_state = 'running' and a.lease_until <= ?::timestamptz`,
  }[kind];
  const params = { expiry: [now], resume: [now, graceMs], execution: [graceMs, now], lease: [now] }[
    kind
  ];
  // Expiry pages follow the due index, most overdue first; sorting every due lane by
  // another column made each page of a large backlog cost as much as the whole backlog.
  const order = kind === 'expiry' ? 'a.expires_at' : 'a.updated_at';
  const rows = await em.execute(`${LANE_FOR_STEP} where ${where} order by ${order} limit ?`, [
    ...params,
    limit,
  ]);
  return rows.map(toLaneForStep);
}

/** One lane's write: the new row, what it must still be at, and the events that record it. */
export interface LaneWrite {
  lane: LaneRow;
  /** Row version the write expects (ignored for an insert). */
  expectedVersion: number;
  /** The proposal's audit seq the write expects. */
  expectedSeq: number;
  head: AuditHead;
  events: readonly EventRow[];
}

const COLUMNS: readonly (readonly [string, string])[] = [
  ['id', 'uuid'],
  ['proposal_id', 'uuid'],
  ['status', 'text'],
  ['execution_state', 'text'],
  ['snapshot', 'jsonb'],
  ['machine_id', 'text'],
  ['machine_version', 'int'],
  ['version', 'int'],
  ['expires_at', 'timestamptz'],
  ['decided_by', 'text'],
  ['decision_reason', 'text'],
  ['decision_note', 'text'],
  ['input_hash', 'text'],
  ['attempt', 'int'],
  ['lease_until', 'timestamptz'],
  ['retry_at', 'timestamptz'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];
const CONTROL: readonly (readonly [string, string])[] = [
  ['expected_version', 'int'],
  ['expected_seq', 'int'],
  ['new_seq', 'int'],
  ['new_head', 'text'],
];

function inputValues(w: LaneWrite): unknown[] {
  const l = w.lane;
  return [
    l.id,
    l.proposalId,
    l.status,
    l.executionState,
    JSON.stringify(l.snapshot),
    l.machineId,
    l.machineVersion,
    l.version,
    l.expiresAt,
    l.decidedBy,
    l.decisionReason,
    l.decisionNote,
    l.inputHash,
    l.attempt,
    l.leaseUntil,
    l.retryAt,
    l.createdAt,
    l.updatedAt,
    w.expectedVersion,
    w.expectedSeq,
    w.head.seq,
    w.head.hash,
  ];
}

/** The text of a write of `lanes` lanes carrying `events` events in all. */
function writeLanesSql(mode: 'insert' | 'update', lanes: number, events: number): string {
  const all = [...COLUMNS, ...CONTROL];
  const row = `(${all.map(([, type]) => `?::${type}`).join(', ')})`;
  const names = all.map(([name]) => name).join(', ');
  const columns = COLUMNS.map(([name]) => name);
  const laneSql =
    mode === 'insert'
      ? `insert into tool_approvals (${columns.join(', ')})
           select ${columns.map((c) => `i.${c}`).join(', ')} from input i
           where i.proposal_id in (select id from head) returning id`
      : `update tool_approvals a set ${columns
          .filter((c) => c !== 'id')
          .map((c) => `${c} = i.${c}`)
          .join(', ')}
           from input i where a.id = i.id and a.version = i.expected_version
             and i.proposal_id in (select id from head) returning a.id`;
  return `with input (${names}) as (values ${Array.from({ length: lanes }, () => row).join(', ')}),
     head as (update tool_proposals p set audit_seq = i.new_seq, audit_head = i.new_head
       from input i where p.id = i.proposal_id and p.audit_seq = i.expected_seq returning p.id),
     lane as (${laneSql}),
     ev as (${insertEventsWhen('lane', events, 'approval_id')})
     select (select coalesce(array_agg(id), '{}') from lane) as written,
       countersign_assert((select count(*) from head) = (select count(*) from lane),
         'a lane changed without moving its audit head') as consistent`;
}

// Statement texts by shape (mode, lane slots, event slots); few, since sizes are padded.
const writeSql = new Map<string, string>();

// A lane row that matches no lane and no proposal, and an event row that no lane guards.
const NO_LANE = Array.from({ length: COLUMNS.length + CONTROL.length }, () => null);

/**
 * The one statement every lane write uses, for one lane or a batch of lanes of distinct
 * proposals. Each proposal's audit head is the serialisation point: it moves only from the
 * expected seq and every lane write moves it, so of two racing writes to one proposal
 * exactly one matches. A lane row and its events are written only where its head moved, and
 * `countersign_assert` aborts the whole statement should a moved head's lane row not match,
 * so each lane is written whole or not at all. Returns the ids of the lanes written; the
 * others lost a race.
 */
export async function writeLanes(
  em: EntityManager,
  mode: 'insert' | 'update',
  writes: readonly LaneWrite[],
): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  const events = writes.flatMap((w) => w.events);
  const lanes = slotsFor(writes.length);
  const eventSlots = lanes.prepare ? pow2(events.length) : Math.max(events.length, 1);
  const key = `${mode}:${lanes.slots}:${eventSlots}`;
  const sql = writeSql.get(key) ?? writeLanesSql(mode, lanes.slots, eventSlots);
  if (lanes.prepare) writeSql.set(key, sql);
  const values = [
    ...padded(writes.map(inputValues), lanes.slots, NO_LANE),
    ...padded(events.map(eventValues), eventSlots, NO_EVENT),
  ].flat();
  const [result] = await runStatement(em, sql, values, lanes.prepare);
  return new Set((result?.written as string[] | undefined) ?? []);
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

/** The proposal's most recently written lane, any status. */
export async function findLatestLane(
  em: EntityManager,
  proposalId: string,
): Promise<LaneRow | null> {
  if (!isUuid(proposalId)) return null;
  const [row] = await em.execute(
    // The proposal's audit seq orders its lanes' writes strictly; timestamps can tie.
    `select a.* from tool_approvals a where a.proposal_id = ?
       order by (select max(e.seq) from tool_action_events e where e.approval_id = a.id) desc nulls last
       limit 1`,
    [proposalId],
  );
  return row ? toLaneRow(row) : null;
}

/** What opening a lane needs of its proposal, with the statuses of lanes that block a new one. */
export interface ProposalForLane {
  status: string;
  blockedReason: string | null;
  approvalMode: string;
  riskTier: string;
  actorId: string;
  inputSnapshot: StoredJson;
  head: AuditHead;
  /** Statuses of the proposal's lanes that are open, or executed. */
  blockingLanes: string[];
}

/** Reads proposals for opening lanes, in one round trip; by proposal id. */
export async function findProposalsForLane(
  em: EntityManager,
  proposalIds: readonly string[],
): Promise<Map<string, ProposalForLane>> {
  const ids = [...new Set(proposalIds.filter(isUuid))];
  if (ids.length === 0) return new Map();
  const { slots, prepare } = slotsFor(ids.length);
  const rows = await runStatement(
    em,
    `select p.id, p.status, p.blocked_reason, p.approval_mode, p.risk_tier, p.actor_id,
       p.input_snapshot, p.audit_seq, p.audit_head,
       array(select a.status::text from tool_approvals a where a.proposal_id = p.id
         and a.status in ('pending', 'approved', 'execution_pending', 'executed')) as blocking
     from tool_proposals p where p.id in (${idSlots(slots)})`,
    padded<string | null>(ids, slots, null),
    prepare,
  );
  return new Map(
    rows.map((row) => [
      row.id as string,
      {
        status: row.status as string,
        blockedReason: (row.blocked_reason as string | null) ?? null,
        approvalMode: row.approval_mode as string,
        riskTier: row.risk_tier as string,
        actorId: row.actor_id as string,
        inputSnapshot: row.input_snapshot as StoredJson,
        head: { seq: row.audit_seq as number, hash: row.audit_head as string },
        blockingLanes: row.blocking as string[],
      },
    ]),
  );
}
