import type { EntityManager } from '@mikro-orm/postgresql';
import { EVENT_SELECT_LIST, toEventRow } from './event.repository.js';
import { runStatement } from './statement.js';
import type { EventRow } from './rows.js';

/** An audit event with its global position, as a stream delivers it. */
export interface PositionedEvent {
  position: string;
  event: EventRow;
  conversationId: string | null;
  caseId: string | null;
}

// Events come in (transaction, position) order and only from transactions older than every
// transaction still running: a later commit can never land before what was delivered.
const NEXT = `select e.position::text as position, e.xact::text as xact, ${EVENT_SELECT_LIST},
    p.conversation_id, p.case_id
  from tool_action_events e join tool_proposals p on p.id = e.proposal_id
  where e.xact < pg_snapshot_xmin(pg_current_snapshot())
    and (?::xid8 is null or (e.xact, e.position) > (?::xid8, ?::bigint))
    and (?::text is null or p.conversation_id = ?)
    and (?::text is null or p.case_id = ?)
  order by e.xact, e.position
  limit ?`;

/** Where a stream stands: the transaction and position of the last event it delivered. */
export interface StreamCursor {
  xact: string;
  position: string;
}

/** The cursor of the event at `position`, or null when there is none. */
export async function findStreamCursor(
  em: EntityManager,
  position: string,
): Promise<StreamCursor | null> {
  const rows = await runStatement(
    em,
    `select xact::text as xact from tool_action_events where position = ?::bigint`,
    [position],
  );
  return rows[0] ? { xact: rows[0].xact as string, position } : null;
}

/**
 * Where a stream of only new events starts: before every event of a transaction still
 * running or yet to come; what committed earlier is the past.
 */
export async function findStreamStart(em: EntityManager): Promise<StreamCursor> {
  const rows = await runStatement(
    em,
    `select pg_snapshot_xmin(pg_current_snapshot())::text as xact`,
    [],
  );
  return { xact: rows[0]!.xact as string, position: '0' };
}

/** The next events after `cursor` (from the start when null), matching the filter. */
export async function findEventsAfter(
  em: EntityManager,
  cursor: StreamCursor | null,
  filter: { conversationId: string | null; caseId: string | null },
  limit: number,
): Promise<(PositionedEvent & { cursor: StreamCursor })[]> {
  const rows = await runStatement(em, NEXT, [
    cursor?.xact ?? null,
    cursor?.xact ?? null,
    cursor?.position ?? null,
    filter.conversationId,
    filter.conversationId,
    filter.caseId,
    filter.caseId,
    limit,
  ]);
  return rows.map((row) => ({
    position: row.position as string,
    cursor: { xact: row.xact as string, position: row.position as string },
    event: toEventRow(row),
    conversationId: (row.conversation_id as string | null) ?? null,
    caseId: (row.case_id as string | null) ?? null,
  }));
}
