import { randomUUID } from 'node:crypto';
import { eventValues } from '../../persistence/eventSql.js';
import { chainEvents } from '../../src/audit/auditChain.js';
import type { AuditEventDraft } from '../../src/audit/auditChain.js';
import type { EventRow } from '../../persistence/rows.js';
import type { Sql } from '../proposals/fixtures.js';

/** A draft event `minutesAgo` minutes old, so stored times need not follow the chain order. */
export function draft(type: string, minutesAgo = 0): AuditEventDraft {
  return {
    type,
    actorId: 'reviewer-1',
    approvalId: null,
    payload: { note: `${type} note`, at: minutesAgo },
    createdAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  };
}

/**
 * Appends correctly chained events to a stored proposal behind the facade (as a later
 * feature would), inserting them newest first so that reads must order by seq, and moves
 * the proposal's audit head. Returns the appended events, oldest first.
 */
export async function appendEvents(
  sql: Sql,
  proposalId: string,
  drafts: readonly AuditEventDraft[],
): Promise<EventRow[]> {
  const [head] = await sql.query<{ seq: number; hash: string }>(
    'select audit_seq as seq, audit_head as hash from tool_proposals where id = ?',
    [proposalId],
  );
  if (!head) throw new Error(`no proposal ${proposalId}`);
  const chained = chainEvents(proposalId, head, drafts, randomUUID);
  for (const e of [...chained.events].reverse()) {
    await sql.query(
      `insert into tool_action_events
         (id, proposal_id, approval_id, seq, type, actor_id, payload, prev_hash, hash, created_at,
          hash_version, signature, key_id)
       values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?::timestamptz, ?, ?, ?)`,
      eventValues(e),
    );
  }
  await sql.query('update tool_proposals set audit_seq = ?, audit_head = ? where id = ?', [
    chained.head.seq,
    chained.head.hash,
    proposalId,
  ]);
  return chained.events;
}
