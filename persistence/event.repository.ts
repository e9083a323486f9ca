import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from './batchSlots.js';
import { columnName, eventColumns, fromColumns } from './rowColumns.js';
import { runStatement } from './statement.js';
import type { EventRow } from './rows.js';

// Timestamps come back as text with all six fractional digits, exactly as stored, so what is
// hashed and verified is the stored time to the microsecond. That text has a four-digit year
// and no era, so it is used only for the years 1 to 9999 of the common era; any other time
// (a BC year, year 10000, 'infinity') comes back as PostgreSQL writes it, era included, so
// it can never read as a time it is not, and never fails the read.
export const timeText = (column: string): string =>
  `case when ${column} >= '0001-01-01 00:00:00+00' and ${column} < '10000-01-01 00:00:00+00' ` +
  `then to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') else ${column}::text end`;

// Each column of an event row `e`, timestamps as the text above.
const selected = eventColumns.map(([property, type]) => {
  const column = `e.${columnName(property)}`;
  return [columnName(property), type === 'timestamptz' ? timeText(column) : column] as const;
});

/** The select list of an event row `e`, timestamps as text. */
export const EVENT_SELECT_LIST = selected.map(([name, expr]) => `${expr} as ${name}`).join(', ');

const SELECT = `select ${EVENT_SELECT_LIST} from tool_action_events e`;

/**
 * A proposal's events as one JSON array, oldest first, for a statement that reads them with
 * something else: `proposal` is the SQL naming the proposal's id.
 */
export const chainJson = (proposal: string): string =>
  `(select coalesce(json_agg(json_build_object(${selected
    .map(([name, expr]) => `'${name}', ${expr}`)
    .join(
      ', ',
    )}) order by e.seq), '[]') from tool_action_events e where e.proposal_id = ${proposal})`;

// The time stays the text selected above: it is hashed as stored.
export const toEventRow = (row: Record<string, unknown>): EventRow => ({
  ...fromColumns(eventColumns, row),
  createdAt: String(row.created_at),
});

/** Events of the given proposals, each proposal's oldest first. */
export async function findEvents(em: EntityManager, proposalIds: string[]): Promise<EventRow[]> {
  const ids = proposalIds.filter(isUuid);
  if (ids.length === 0) return [];
  const rows = await runStatement(
    em,
    `${SELECT} where e.proposal_id = any(?::uuid[]) order by e.proposal_id, e.seq`,
    [ids],
  );
  return rows.map(toEventRow);
}

/** A lane's events, oldest first. */
export async function findLaneEvents(em: EntityManager, laneId: string): Promise<EventRow[]> {
  if (!isUuid(laneId)) return [];
  const rows = await runStatement(em, `${SELECT} where e.approval_id = ?::uuid order by e.seq`, [
    laneId,
  ]);
  return rows.map(toEventRow);
}
