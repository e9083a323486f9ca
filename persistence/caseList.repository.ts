import type { EntityManager } from '@mikro-orm/postgresql';
import { dueLaneStatuses } from '../machines/laneTypes.js';
import { caseColumns, fromColumns } from './rowColumns.js';
import type { CaseRow } from './rows.js';
import { literalList, runStatement } from './statement.js';

/** Where a page of cases ends: the last case's creation time (to the microsecond) and id. */
export interface CaseCursor {
  createdAt: string;
  id: string;
}

/** A listed case: its row, how many of its lanes are open, and its key for the next page. */
export interface ListedCase {
  row: CaseRow;
  openLanes: number;
  cursor: CaseCursor;
}

// Newest first along the (created_at, id) index; a lane is open while a worker or a person
// still has to move it.
const PAGE = `select c.*,
    to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at,
    (select count(*) from tool_approvals a join tool_proposals p on p.id = a.proposal_id
      where p.case_id = c.id and a.status in (${literalList(dueLaneStatuses)}))::int as open_lanes
  from governance_cases c
  where (?::text[] is null or c.status = any(?::text[]))
    and (?::timestamptz is null or (c.created_at, c.id) < (?::timestamptz, ?::text))
  order by c.created_at desc, c.id desc
  limit ?`;

/** One page of cases, newest first, of the given statuses (null: any). */
export async function findCasePage(
  em: EntityManager,
  statuses: readonly string[] | null,
  cursor: CaseCursor | null,
  limit: number,
): Promise<ListedCase[]> {
  const list = statuses ? [...statuses] : null;
  const at = cursor?.createdAt ?? null;
  const rows = await runStatement(em, PAGE, [list, list, at, at, cursor?.id ?? null, limit]);
  return rows.map((row) => ({
    row: fromColumns(caseColumns, row),
    openLanes: row.open_lanes as number,
    cursor: { createdAt: row.cursor_at as string, id: row.id as string },
  }));
}
