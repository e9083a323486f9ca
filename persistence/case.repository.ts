import type { EntityManager } from '@mikro-orm/postgresql';
import type { Alongside } from './actorWrite.js';
import { findByIds, padded, pow2 } from './batchSlots.js';
import type { RowKey } from './batchSlots.js';
import { isCaseId } from './caseId.js';
import { timeText } from './event.repository.js';
import { caseColumns, caseEventColumns, columnName, fromColumns, toColumns } from './rowColumns.js';
import type { Column } from './rowColumns.js';
import { runStatement } from './statement.js';
import type { CaseEventRow, CaseRow } from './rows.js';

/** One case row's write: the new row, the version it must still be at, its new events. */
export interface CaseWrite {
  row: CaseRow;
  /** Ignored for an insert. */
  expectedVersion: number;
  events: readonly CaseEventRow[];
}

const names = <R>(columns: readonly Column<R>[]) => columns.map(([p]) => columnName(p));
const casts = <R>(columns: readonly Column<R>[]) =>
  `(${columns.map(([, type]) => `?::${type}`).join(', ')})`;
const CASE = names(caseColumns);
const EVENT = names(caseEventColumns);
const NO_EVENT = EVENT.map(() => null);

/**
 * The CTEs that write `rows` case rows and `events` events (`case_written` returns each
 * written row's id). A case row holds its own chain head, so the version check alone
 * serialises its writers. Beside lanes, each row names its lanes and is written only if the
 * statement wrote every one of them (`written`); `case_lanes` returns the lanes of the rows
 * written, and the caller asserts the converse.
 */
function caseCtes(mode: 'insert' | 'update', rows: number, events: number, beside: boolean) {
  const row = casts([...caseColumns, ['version', 'int', 'expected_version'] as const]);
  const input = `case_input (${beside ? 'lane_ids, ' : ''}${CASE.join(', ')}, expected_version) as (values ${Array.from(
    { length: rows },
    () => (beside ? `(?::uuid[], ${row.slice(1)}` : row),
  ).join(', ')})`;
  const lanes = beside
    ? ` and not exists (select 1 from unnest(ci.lane_ids) l (id) where l.id not in (select id from written))`
    : '';
  const write =
    mode === 'insert'
      ? `insert into governance_cases (${CASE.join(', ')})
           select ${CASE.map((c) => `ci.${c}`).join(', ')} from case_input ci where true${lanes}
           returning id`
      : `update governance_cases c set ${CASE.filter((c) => c !== 'id')
          .map((c) => `${c} = ci.${c}`)
          .join(', ')}
           from case_input ci where c.id = ci.id and c.version = ci.expected_version${lanes}
           returning c.id${beside ? ', ci.lane_ids' : ''}`;
  const values = Array.from({ length: Math.max(events, 1) }, () => casts(caseEventColumns));
  const ev = `insert into case_events (${EVENT.join(', ')})
    select v.* from (values ${values.join(', ')}) as v(${EVENT.join(', ')})
    where v.case_id in (select id from case_written) returning id`;
  const caseLanes = beside
    ? `, case_lanes as (select unnest(lane_ids) as id from case_written)`
    : '';
  return `${input}, case_written as (${write})${caseLanes}, case_ev as (${ev})`;
}

/** Case writes (with the lanes each goes with) as parameters, padded to `rows` and `events`. */
function caseValues(
  writes: readonly { laneIds?: readonly string[]; write: CaseWrite }[],
  rows: number,
  events: number,
): unknown[] {
  const rowValues = writes.map(({ laneIds, write }) => [
    ...(laneIds ? [laneIds] : []),
    ...toColumns(caseColumns, write.row),
    write.expectedVersion,
  ]);
  const eventValues = writes.flatMap(({ write }) =>
    write.events.map((e) => toColumns(caseEventColumns, e)),
  );
  const noRow = Array.from({ length: rowValues[0]!.length }, () => null);
  return [...padded(rowValues, rows, noRow), ...padded(eventValues, events, NO_EVENT)].flat();
}

/**
 * Case writes that commit beside the lanes they go with, no case twice: each is written
 * only with all of its lanes, and the statement aborts if a lane is written without its
 * case. Padded to a few prepared shapes.
 */
export function caseWritesBeside(
  writes: readonly { laneIds: readonly string[]; write: CaseWrite }[],
): Alongside {
  const rows = pow2(writes.length);
  const events = pow2(writes.reduce((n, w) => n + w.write.events.length, 0));
  return {
    ctes: caseCtes('update', rows, events, true),
    written: 'case_lanes',
    owners: 'select unnest(lane_ids) from case_input',
    values: caseValues(writes, rows, events),
    shape: `cases:${rows}:${events}`,
  };
}

/** Writes a case row and its events in one statement; false when its version moved first. */
export async function writeCase(
  em: EntityManager,
  mode: 'insert' | 'update',
  write: CaseWrite,
): Promise<boolean> {
  const events = Math.max(write.events.length, 1);
  const [result] = await runStatement(
    em,
    `with ${caseCtes(mode, 1, events, false)} select (select count(*) from case_written)::int as written`,
    caseValues([{ write }], 1, events),
  );
  return result?.written === 1;
}

/** A case row by id, or null. */
export async function findCase(em: EntityManager, caseId: string): Promise<CaseRow | null> {
  return (await findCases(em, [caseId])).get(caseId) ?? null;
}

// A case is keyed by the host's id text (a UUID when the host named none).
const caseKey: RowKey = { accepts: isCaseId, type: 'text' };

/** Case rows by id, in one round trip. */
export async function findCases(
  em: EntityManager,
  caseIds: readonly string[],
): Promise<Map<string, CaseRow>> {
  const rows = await findByIds(em, 'select * from governance_cases c', 'c.id', caseIds, caseKey);
  return new Map([...rows].map(([id, row]) => [id, fromColumns(caseColumns, row)]));
}

// Times as stored, to the microsecond: they are hashed.
const SELECT_EVENTS = `select ${caseEventColumns
  .map(([p, type]) => {
    const column = `e.${columnName(p)}`;
    return `${type === 'timestamptz' ? timeText(column) : column} as ${columnName(p)}`;
  })
  .join(', ')} from case_events e`;

const toCaseEvent = (r: Record<string, unknown>): CaseEventRow => ({
  ...fromColumns(caseEventColumns, r),
  createdAt: String(r.created_at),
});

/** A case's events, oldest first. */
export async function findCaseEvents(em: EntityManager, caseId: string): Promise<CaseEventRow[]> {
  if (!isCaseId(caseId)) return [];
  const rows = await runStatement(em, `${SELECT_EVENTS} where e.case_id = ?::text order by e.seq`, [
    caseId,
  ]);
  return rows.map(toCaseEvent);
}

/**
 * A case row and its events after `afterSeq`, oldest first, read in one statement: both as
 * of one moment, so a row is never compared with a chain that moved on since it was read.
 */
export async function findCaseWithEvents(
  em: EntityManager,
  caseId: string,
  afterSeq: number,
): Promise<{ row: CaseRow | null; events: CaseEventRow[] }> {
  if (!isCaseId(caseId)) return { row: null, events: [] };
  const [found] = await runStatement(
    em,
    `select (select row_to_json(c) from governance_cases c where c.id = ?::text) as case_row,
            (select coalesce(json_agg(x order by x.seq), '[]'::json) from (${SELECT_EVENTS}
              where e.case_id = ?::text and e.seq > ?::int) x) as case_events`,
    [caseId, caseId, afterSeq],
  );
  const row = found?.case_row as Record<string, unknown> | null;
  return {
    row: row ? fromColumns(caseColumns, row) : null,
    events: ((found?.case_events ?? []) as Record<string, unknown>[]).map(toCaseEvent),
  };
}

/** Open cases whose deadline has passed, oldest deadline first. */
export async function findOverdueCases(
  em: EntityManager,
  now: string,
  limit: number,
): Promise<string[]> {
  const rows = await runStatement(
    em,
    `select id from governance_cases where status = 'open' and deadline <= ?::timestamptz
      order by deadline limit ?::int`,
    [now, limit],
  );
  return rows.map((r) => r.id as string);
}
