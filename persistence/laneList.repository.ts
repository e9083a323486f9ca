import type { EntityManager } from '@mikro-orm/postgresql';
import { LANE_WITH_PROPOSAL, toLaneWithProposal } from './lane.repository.js';
import type { LaneWithProposal } from './lane.repository.js';
import { toLaneRow } from './rowColumns.js';
import type { LaneRow } from './rows.js';
import { runStatement } from './statement.js';

/** Which lanes a listing holds; every field narrows it, none widens it. */
export interface LaneFilter {
  statuses: readonly string[];
  toolName: string | null;
  riskTier: string | null;
  conversationId: string | null;
  caseId: string | null;
  /** Created at or before / after these instants (ISO text). */
  createdBefore: string | null;
  createdAfter: string | null;
}

/** `urgent`: soonest deadline first (no deadline last); `newest`: latest created first. */
export type LaneOrder = 'urgent' | 'newest';

/** Where a page starts: the sort key (as text) and id of the previous page's last lane. */
export interface LaneCursor {
  key: string;
  id: string;
}

export interface ListedLane extends LaneWithProposal {
  sortKey: string;
}

const US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const keyOf: Record<LaneOrder, string> = {
  urgent: `coalesce(a.expires_at, 'infinity'::timestamptz)`,
  newest: `a.created_at`,
};

// One statement shape per order, every filter a parameter: preparable, and no caller text in SQL.
const statements = Object.fromEntries(
  (Object.keys(keyOf) as LaneOrder[]).map((order) => {
    const key = keyOf[order];
    const [cmp, dir] = order === 'urgent' ? ['>', 'asc'] : ['<', 'desc'];
    const sql = LANE_WITH_PROPOSAL.replace(
      'select a.*,',
      `select a.*, case when isfinite(${key}) then to_char(${key} at time zone 'UTC', ${US}) else 'infinity' end as sort_key,`,
    );
    return [
      order,
      `${sql}
      where a.status = any(?::text[])
        and (?::text is null or p.tool_name = ?)
        and (?::text is null or p.risk_tier = ?)
        and (?::text is null or p.conversation_id = ?)
        and (?::text is null or p.case_id = ?)
        and (?::timestamptz is null or a.created_at <= ?::timestamptz)
        and (?::timestamptz is null or a.created_at >= ?::timestamptz)
        and (?::text is null or (${key}, a.id) ${cmp} (?::timestamptz, ?::uuid))
      order by ${key} ${dir}, a.id ${dir}
      limit ?`,
    ];
  }),
) as Record<LaneOrder, string>;

/** One page of lanes with their proposals' part, in `order`, after `cursor`. */
export async function findLanePage(
  em: EntityManager,
  filter: LaneFilter,
  order: LaneOrder,
  cursor: LaneCursor | null,
  limit: number,
): Promise<ListedLane[]> {
  const twice = (v: string | null) => [v, v];
  const rows = await runStatement(em, statements[order], [
    [...filter.statuses],
    ...twice(filter.toolName),
    ...twice(filter.riskTier),
    ...twice(filter.conversationId),
    ...twice(filter.caseId),
    ...twice(filter.createdBefore),
    ...twice(filter.createdAfter),
    cursor?.key ?? null,
    cursor?.key ?? null,
    cursor?.id ?? null,
    limit,
  ]);
  return rows.map((row) => ({
    ...toLaneWithProposal(row),
    sortKey: row.sort_key as string,
  }));
}

/** How many lanes are in each status now. */
export async function countLanesByStatus(
  em: EntityManager,
): Promise<{ status: string; count: number }[]> {
  const rows = await runStatement(
    em,
    `select status, count(*)::int as count from tool_approvals group by status`,
    [],
  );
  return rows.map((r) => ({ status: r.status as string, count: r.count as number }));
}

/** Each proposal's status and its most recently updated lane (null before one opens). */
export async function findOutcomes(
  em: EntityManager,
  proposalIds: readonly string[],
): Promise<{ proposalId: string; proposalStatus: string; lane: LaneRow | null }[]> {
  const rows = await runStatement(
    em,
    `select p.id as proposal_id, p.status as proposal_status, to_jsonb(l.*) as lane
       from tool_proposals p left join lateral (
         select * from tool_approvals a where a.proposal_id = p.id
         order by a.updated_at desc, a.id desc limit 1) l on true
      where p.id = any(?::uuid[])`,
    [proposalIds],
  );
  return rows.map((r) => ({
    proposalId: r.proposal_id as string,
    proposalStatus: r.proposal_status as string,
    lane: r.lane ? toLaneRow(r.lane as Record<string, unknown>) : null,
  }));
}
