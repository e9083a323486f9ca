import type { EntityManager } from '@mikro-orm/postgresql';
import { pow2, padded, slotsFor } from './batchSlots.js';
import { eventValues, insertEventsWhen, NO_EVENT } from './eventSql.js';
import { columnName, toColumns } from './rowColumns.js';
import type { Column } from './rowColumns.js';
import { literalList, runStatement } from './statement.js';
import type { AuditHead, EventRow } from './rows.js';

/**
 * A table of persisted-actor rows (one row per actor, snapshot and mirrored columns): where
 * its rows live, their columns, the column naming the proposal whose audit chain records
 * them, and the events' column naming the row.
 */
export interface ActorTable<Row> {
  table: string;
  columns: readonly Column<Row>[];
  chainKey: keyof Row & string;
  eventKey: 'approval_id';
  /**
   * Rows written into one of `statuses` send `NOTIFY channel, <chain key>` with the commit,
   * so waiters in any process learn of it from the commit itself.
   */
  notify?: { channel: string; statuses: readonly string[] };
}

/** One row's write: the new row, what it must still be at, and the events that record it. */
export interface ActorWrite<Row> {
  row: Row;
  /** Row version the write expects (ignored for an insert). */
  expectedVersion: number;
  /** The chain's audit seq the write expects. */
  expectedSeq: number;
  /** The chain's head once the events are appended. */
  head: AuditHead;
  events: readonly EventRow[];
}

const CONTROL = [
  ['expected_version', 'int'],
  ['expected_seq', 'int'],
  ['new_seq', 'int'],
  ['new_head', 'text'],
] as const;

/**
 * Writes of other rows that must each commit with their actor row or not at all (a lane's
 * claim and its case's budget reservation): CTEs that follow the actor rows' own and may
 * read their `written`, and their parameters.
 */
export interface Alongside {
  ctes: string;
  /** The CTE returning, for each write alongside that was written, its actor row's id. */
  written: string;
  /** A query of the ids of the actor rows that have a write alongside. */
  owners: string;
  values: unknown[];
  /** Names the CTEs' text: equal shapes, equal text (so it is built and prepared once). */
  shape: string;
}

/** The text of a write of `rows` rows carrying `events` events in all. */
function writeSql<Row>(
  t: ActorTable<Row>,
  mode: 'insert' | 'update',
  rows: number,
  events: number,
  alongside: Alongside | null,
  whole: boolean,
): string {
  const columns = t.columns.map(([property]) => columnName(property));
  const all = [...t.columns.map(([p, type]) => [columnName(p), type] as const), ...CONTROL];
  const row = `(${all.map(([, type]) => `?::${type}`).join(', ')})`;
  const chainKey = columnName(t.chainKey);
  const rowSql =
    mode === 'insert'
      ? `insert into ${t.table} (${columns.join(', ')})
           select ${columns.map((c) => `i.${c}`).join(', ')} from input i
           where i.${chainKey} in (select id from head) returning id`
      : `update ${t.table} a set ${columns
          .filter((c) => c !== 'id')
          .map((c) => `${c} = i.${c}`)
          .join(', ')}
           from input i where a.id = i.id and a.version = i.expected_version
             and i.${chainKey} in (select id from head) returning a.id`;
  return `with input (${all.map(([name]) => name).join(', ')}) as (values ${Array.from({ length: rows }, () => row).join(', ')}),
     head as (update tool_proposals p set audit_seq = i.new_seq, audit_head = i.new_head
       from input i where p.id = i.${chainKey} and p.audit_seq = i.expected_seq returning p.id),
     written as (${rowSql}),
     ev as (${insertEventsWhen('written', events, t.eventKey)})${
       t.notify
         ? `,
     notified as (select pg_notify('${t.notify.channel}', i.${chainKey}::text) from input i
       where i.id in (select id from written) and i.status in (${literalList(t.notify.statuses)}))`
         : ''
     }${alongside ? `, ${alongside.ctes}` : ''}
     select (select coalesce(array_agg(id), '{}') from written) as written,${
       t.notify ? ` (select count(*) from notified) as notified,` : ''
     }
       public.countersign_assert((select count(*) from head) = (select count(*) from written),
         'a row changed without moving its audit head') as consistent${
           whole
             ? `,
       public.countersign_assert((select count(*) from written) = (select count(*) from input where id is not null),
         '${BATCH_MOVED}') as whole`
             : ''
         }${
           alongside
             ? `,
       public.countersign_assert((select count(*) from written where id in (${alongside.owners}))
         = (select count(*) from ${alongside.written}), '${MOVED_APART}') as together`
             : ''
         }`;
}

/** The message of the abort when a row of an all-or-nothing batch did not match. */
export const BATCH_MOVED = 'a row of the batch moved';

/** The message of the abort when a row and the write alongside it did not both match. */
export const MOVED_APART = 'a row and the write alongside it moved apart';

// Statement texts by shape (table, mode, row slots, event slots); few, since sizes are padded.
const texts = new Map<string, string>();

/**
 * The one statement every persisted-actor write uses, for one row or a batch of rows of
 * distinct chains. Guarantees:
 * - Each chain's audit head is the serialisation point: it moves only from the expected seq
 *   and every write moves it, so of two racing writes to one chain exactly one matches.
 * - A row (and, for an update, only at its expected version) and its events are written
 *   only where its head moved; `public.countersign_assert` (named with its schema, so no
 *   function earlier on the search path can stand in for it) aborts the whole statement should a
 *   moved head's row not match, so each row is written whole or not at all.
 * - One statement is one transaction: there is no moment at which a row is written and
 *   its events are not.
 * Returns the ids of the rows written; the others lost a race.
 */
export async function writeActorRows<Row extends { id: string }>(
  em: EntityManager,
  table: ActorTable<Row>,
  mode: 'insert' | 'update',
  writes: readonly ActorWrite<Row>[],
  alongside: Alongside | null = null,
  /** Every row or none: a row that lost its race aborts the whole statement (`BATCH_MOVED`). */
  all = false,
): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  const events = writes.flatMap((w) => w.events);
  const rows = slotsFor(writes.length);
  const eventSlots = rows.prepare ? pow2(events.length) : Math.max(events.length, 1);
  const key = `${table.table}:${mode}:${rows.slots}:${eventSlots}:${all}:${alongside?.shape}`;
  const sql = texts.get(key) ?? writeSql(table, mode, rows.slots, eventSlots, alongside, all);
  if (rows.prepare) texts.set(key, sql);
  const noRow = Array.from({ length: table.columns.length + CONTROL.length }, () => null);
  const values = [
    ...padded(
      writes.map((w) => [
        ...toColumns(table.columns, w.row),
        w.expectedVersion,
        w.expectedSeq,
        w.head.seq,
        w.head.hash,
      ]),
      rows.slots,
      noRow,
    ),
    ...padded(events.map(eventValues), eventSlots, NO_EVENT),
    ...(alongside ? [alongside.values] : []),
  ].flat();
  const [result] = await runStatement(em, sql, values, rows.prepare);
  return new Set((result?.written as string[] | undefined) ?? []);
}
