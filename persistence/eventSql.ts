import type { EventRow } from './rows.js';
import { columnName, eventColumns, toColumns } from './rowColumns.js';

const COLUMNS = eventColumns.map(([property]) => columnName(property)).join(', ');
const ROW = `(${eventColumns.map(([, type]) => `?::${type}`).join(', ')})`;

/** The parameters of one event row, in the order of the insert's columns. */
export function eventValues(e: EventRow): unknown[] {
  return toColumns(eventColumns, e);
}

/** A row of event parameters that no guard keeps, to pad a batch to a prepared size. */
export const NO_EVENT: readonly unknown[] = COLUMNS.split(', ').map(() => null);

/**
 * An `insert into tool_action_events` of `count` events (parameters: {@link eventValues} of
 * each) that keeps only the events whose `key` column appears among the ids returned by
 * `guard` (a CTE earlier in the same statement), so events and the write they record
 * commit together or not at all.
 */
export function insertEventsWhen(
  guard: string,
  count: number,
  key: 'proposal_id' | 'approval_id',
): string {
  return (
    `insert into tool_action_events (${COLUMNS}) ` +
    `select v.* from (values ${Array.from({ length: count }, () => ROW).join(', ')}) as v(${COLUMNS}) ` +
    `where v.${key} in (select id from ${guard}) returning id`
  );
}
