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

/** Where a chain's events and its head are stored, and the fields naming its chain and task. */
const chains = {
  proposal: {
    events: 'tool_action_events',
    chainColumn: 'proposal_id',
    head: 'tool_proposals',
    identity: (r: Record<string, unknown>) => ({
      proposalId: r.proposal_id,
      approvalId: r.approval_id,
    }),
  },
  case: {
    events: 'case_events',
    chainColumn: 'case_id',
    head: 'governance_cases',
    identity: (r: Record<string, unknown>) => ({ caseId: r.case_id, taskId: r.task_id }),
  },
} as const;

/**
 * Rewrites a proposal's or a case's chain the way hash rule 2 wrote it: the id and the time's
 * text as stored (microseconds, no era) hashed with the content, and moves the head.
 */
export async function rewriteAsRule2(sql: Sql, chain: keyof typeof chains, chainId: string) {
  const c = chains[chain];
  const rows = await sql.query<Record<string, unknown>>(
    `select *, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
       from ${c.events} where ${c.chainColumn} = ? order by seq`,
    [chainId],
  );
  let prev = '0'.repeat(64);
  for (const r of rows) {
    const content = {
      ...c.identity(r),
      type: r.type,
      actorId: r.actor_id,
      payload: r.payload,
      id: r.id,
      createdAt: r.at,
    };
    const hash = createHash('sha256')
      .update(`v2\n${prev}\n${canonicalJson(content)}`)
      .digest('hex');
    await sql.query(
      `update ${c.events} set hash_version = 2, prev_hash = ?, hash = ?, signature = null,
              key_id = null where id = ?`,
      [prev, hash, r.id],
    );
    prev = hash;
  }
  await sql.query(`update ${c.head} set audit_head = ? where id = ?`, [prev, chainId]);
}
