import { z } from 'zod';
import type { Governance } from '../src/governance.js';
import { defineTool } from '../src/tools/defineTool.js';
import type { MikroORM } from '@mikro-orm/postgresql';

/** A requires-approval tool with a cheap run, so the benchmarks measure countersign. */
export const transfer = defineTool({
  name: 'transfer',
  input: z.object({ account: z.string(), cents: z.number().int() }),
  riskTier: 'medium',
  approvalMode: 'requires_approval',
  run: () => ({ done: true }),
});

/** Proposes and opens `n` pending lanes of `tool` through the facade, `concurrency` at a time. */
export async function openLanes(
  gov: Governance,
  n: number,
  concurrency: number,
  ttlSeconds?: number,
  tool = 'transfer',
) {
  const ids: string[] = [];
  let next = 0;
  const loop = async () => {
    while (next < n) {
      const i = next++;
      const proposed = await gov.propose(tool, 'agent-7', {
        input: { account: `acct-${i}-${Math.random()}`, cents: i },
      });
      if (!proposed.ok) throw new Error('propose failed');
      const lane = await gov.requestApproval(
        proposed.proposal.id,
        ttlSeconds ? { ttlSeconds } : {},
      );
      if (!lane.ok) throw new Error(`requestApproval failed: ${lane.error}`);
      ids.push(lane.approval.id);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return ids;
}

/**
 * Tops `lanes` up for a loop that will decide them at about `rate` per second for `seconds`:
 * to twice that, and at least `floor`, so a fast machine never runs a measuring loop
 * out of pending lanes. `rate` comes from a short probe of the same loop.
 */
export async function stockLanes(
  gov: Governance,
  lanes: string[],
  rate: number,
  seconds: number,
  floor: number,
): Promise<void> {
  const wanted = Math.max(floor, Math.ceil(rate * seconds * 2));
  if (lanes.length < wanted) lanes.push(...(await openLanes(gov, wanted - lanes.length, 8)));
}

/**
 * Adds `n` pending lanes by copying one real proposal and lane in SQL (each copy with its
 * own proposal, as one pending lane per proposal allows), to fill the table quickly.
 */
export async function cloneLanes(orm: MikroORM, templateLaneId: string, n: number) {
  await orm.em
    .fork()
    .getConnection()
    .execute(
      `with p as (
       insert into tool_proposals (id, tool_name, tool_version, actor_id, conversation_id, case_id,
         status, blocked_outcome, blocked_reason, blocked_issues, risk_tier, approval_mode,
         idempotency_key, tool_snapshot, input_snapshot, actor_snapshot, audit_seq, audit_head, created_at)
       select gen_random_uuid(), p.tool_name, p.tool_version, p.actor_id, p.conversation_id, p.case_id,
         p.status, p.blocked_outcome, p.blocked_reason, p.blocked_issues, p.risk_tier, p.approval_mode,
         md5(random()::text) || md5(random()::text), p.tool_snapshot, p.input_snapshot, p.actor_snapshot,
         p.audit_seq, p.audit_head, now()
       from tool_approvals a join tool_proposals p on p.id = a.proposal_id, generate_series(1, ?)
       where a.id = ?
       returning id)
     insert into tool_approvals (id, proposal_id, status, execution_state, snapshot, machine_id,
       machine_version, version, expires_at, decided_by, decision_reason, decision_note, input_hash,
       attempt, lease_until, retry_at, created_at, updated_at)
     select gen_random_uuid(), p.id, a.status, a.execution_state, a.snapshot, a.machine_id,
       a.machine_version, a.version, a.expires_at, a.decided_by, a.decision_reason, a.decision_note,
       a.input_hash, a.attempt, a.lease_until, a.retry_at, a.created_at, a.updated_at
     from p, tool_approvals a where a.id = ?`,
      [n, templateLaneId, templateLaneId],
    );
}
