import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/canonicalJson.js';
import type { openSql } from './testDatabase.js';

type Sql = Awaited<ReturnType<typeof openSql>>;

/**
 * Rewrites a proposal's trail and its lane the way the first version wrote them: events
 * hashed under rule 1 with no call digests, and a lane snapshot of machine version 1 (no
 * call digest, expiry role or escalation depth in its context).
 */
export async function rewriteAsLegacy(sql: Sql, proposalId: string, laneId: string) {
  const q = sql.query;
  await q(`update tool_action_events set payload = payload - 'callDigest' where proposal_id = ?`, [
    proposalId,
  ]);
  await q(
    `update tool_action_events set payload = payload #- '{laneInput,callDigest}'
             #- '{laneInput,expireRole}' where proposal_id = ?`,
    [proposalId],
  );
  await q(
    `update tool_approvals set machine_version = 1,
             snapshot = snapshot #- '{context,callDigest}' #- '{context,expireRole}'
               #- '{context,escalationDepth}' #- '{context,decision,callDigest}' where id = ?`,
    [laneId],
  );
  const rows = await q<Record<string, unknown>>(
    `select id, approval_id, type, actor_id, payload,
            to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at
       from tool_action_events where proposal_id = ? order by seq`,
    [proposalId],
  );
  let prev = '0'.repeat(64);
  for (const r of rows) {
    const content = {
      proposalId,
      approvalId: r.approval_id,
      type: r.type,
      actorId: r.actor_id,
      payload: r.payload,
      createdAt: r.at,
    };
    const hash = createHash('sha256')
      .update(`${prev}\n${canonicalJson(content)}`)
      .digest('hex');
    await q(
      `update tool_action_events set hash_version = 1, prev_hash = ?, hash = ? where id = ?`,
      [prev, hash, r.id],
    );
    prev = hash;
  }
  await q('update tool_proposals set audit_head = ? where id = ?', [prev, proposalId]);
}
