import type { EntityManager } from '@mikro-orm/postgresql';
import { findByIds, isUuid } from './batchSlots.js';
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

/**
 * The CTEs that write one case row and its events (`case_written` returns the row's id when
 * written). The case row holds its own chain head, so the version check alone serialises
 * its writers. With `afterLane`, the row is written only if the statement's lane was
 * (`written`): the caller asserts the converse.
 */
function caseCtes(mode: 'insert' | 'update', events: number, afterLane: boolean): string {
  const input = `case_input (${CASE.join(', ')}, expected_version) as (values ${casts([
    ...caseColumns,
    ['version', 'int'] as const,
  ])})`;
  const lane = afterLane ? ' and exists (select 1 from written)' : '';
  const row =
    mode === 'insert'
      ? `insert into governance_cases (${CASE.join(', ')})
           select ${CASE.map((c) => `ci.${c}`).join(', ')} from case_input ci where true${lane}
           returning id`
      : `update governance_cases c set ${CASE.filter((c) => c !== 'id')
          .map((c) => `${c} = ci.${c}`)
          .join(', ')}
           from case_input ci where c.id = ci.id and c.version = ci.expected_version${lane}
           returning c.id`;
  const values = Array.from({ length: Math.max(events, 1) }, () => casts(caseEventColumns));
  const ev = `insert into case_events (${EVENT.join(', ')})
    select v.* from (values ${values.join(', ')}) as v(${EVENT.join(', ')})
    where v.case_id in (select id from case_written) returning id`;
  return `${input}, case_written as (${row}), case_ev as (${ev})`;
}

const NO_EVENT = EVENT.map(() => null);

/** A case write as CTEs and their parameters, to run alone or beside a lane's write. */
export function caseWriteParts(
  mode: 'insert' | 'update',
  write: CaseWrite,
  afterLane: boolean,
): { ctes: string; values: unknown[] } {
  const events = write.events.map((e) => toColumns(caseEventColumns, e));
  return {
    ctes: caseCtes(mode, write.events.length, afterLane),
    values: [
      ...toColumns(caseColumns, write.row),
      write.expectedVersion,
      ...(events.length > 0 ? events : [NO_EVENT]).flat(),
    ],
  };
}

/** Writes a case row and its events in one statement; false when its version moved first. */
export async function writeCase(
  em: EntityManager,
  mode: 'insert' | 'update',
  write: CaseWrite,
): Promise<boolean> {
  const { ctes, values } = caseWriteParts(mode, write, false);
  const [result] = await runStatement(
    em,
    `with ${ctes} select (select count(*) from case_written)::int as written`,
    values,
  );
  return result?.written === 1;
}

/** A case row by id, or null. */
export async function findCase(em: EntityManager, caseId: string): Promise<CaseRow | null> {
  return (await findCases(em, [caseId])).get(caseId) ?? null;
}

/** Case rows by id, in one round trip. */
export async function findCases(
  em: EntityManager,
  caseIds: readonly string[],
): Promise<Map<string, CaseRow>> {
  const rows = await findByIds(em, 'select * from governance_cases c', 'c.id', caseIds);
  return new Map([...rows].map(([id, row]) => [id, fromColumns(caseColumns, row)]));
}

// Times as stored, to the microsecond: they are hashed.
const SELECT_EVENTS = `select ${caseEventColumns
  .map(([p, type]) => {
    const column = `e.${columnName(p)}`;
    return `${type === 'timestamptz' ? timeText(column) : column} as ${columnName(p)}`;
  })
  .join(', ')} from case_events e`;

/** A case's events, oldest first. */
export async function findCaseEvents(em: EntityManager, caseId: string): Promise<CaseEventRow[]> {
  if (!isUuid(caseId)) return [];
  const rows = await runStatement(em, `${SELECT_EVENTS} where e.case_id = ?::uuid order by e.seq`, [
    caseId,
  ]);
  return rows.map((r) => ({
    ...fromColumns(caseEventColumns, r),
    createdAt: String(r.created_at),
  }));
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
