import type { EventRow } from './rows.js';

const COLUMNS =
  'id, proposal_id, approval_id, seq, type, actor_id, payload, prev_hash, hash, created_at';
const ROW = '(?::uuid, ?::uuid, ?::uuid, ?::int, ?, ?, ?::jsonb, ?, ?, ?::timestamptz)';

/**
 * An `insert into tool_action_events` of `events` that keeps only the events whose `key`
 * column appears among the ids returned by `guard` (a CTE earlier in the same statement), so
 * events and the write they record commit together or not at all.
 */
export function insertEventsWhen(
  guard: string,
  events: readonly EventRow[],
  key: 'proposal_id' | 'approval_id',
) {
  const params = events.flatMap((e) => [
    e.id,
    e.proposalId,
    e.approvalId,
    e.seq,
    e.type,
    e.actorId,
    JSON.stringify(e.payload),
    e.prevHash,
    e.hash,
    e.createdAt,
  ]);
  const sql =
    `insert into tool_action_events (${COLUMNS}) ` +
    `select v.* from (values ${events.map(() => ROW).join(', ')}) as v(${COLUMNS}) ` +
    `where v.${key} in (select id from ${guard}) returning id`;
  return { sql, params };
}
