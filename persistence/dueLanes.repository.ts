import type { EntityManager } from '@mikro-orm/postgresql';
import { LANE_WITH_PROPOSAL, toLaneWithProposal } from './lane.repository.js';
import { runStatement } from './statement.js';
import type { LaneWithProposal } from './lane.repository.js';

/**
 * What the reconciler looks for, each a lane whose next transition is due at `now`:
 * - `expiry`: pending past its deadline;
 * - `resume`: approved and untouched for `graceMs` (its resume job went missing);
 * - `execution`: queued for execution, with its retry due, or untouched for `graceMs`;
 * - `lease`: running with a lapsed claim (its process died mid-run);
 * - `closed_case`: pending in a case that is no longer open (nobody may decide it now);
 * - `escalated`: escalated in an open case, with no later lane for its proposal (the process
 *   that escalated it died before it opened the next).
 */
export type DueKind = 'expiry' | 'resume' | 'execution' | 'lease' | 'closed_case' | 'escalated';

const due: Record<DueKind, { where: string; params: (now: string, graceMs: number) => unknown[] }> =
  {
    expiry: {
      where: `a.status = 'pending' and a.expires_at <= ?::timestamptz`,
      params: (now) => [now],
    },
    resume: {
      where: `a.status = 'approved' and a.updated_at <= ?::timestamptz - make_interval(secs => ? / 1000.0)`,
      params: (now, graceMs) => [now, graceMs],
    },
    execution: {
      where: `a.status = 'execution_pending' and a.execution_state = 'queued'
        and coalesce(a.retry_at, a.updated_at + make_interval(secs => ? / 1000.0)) <= ?::timestamptz`,
      params: (now, graceMs) => [graceMs, now],
    },
    lease: {
      where: `a.status = 'execution_pending' and a.execution_state = 'running' and a.lease_until <= ?::timestamptz
        and not exists (select 1 from lane_redrives r where r.lane_id = a.id and r.redriven_at = 'infinity')`,
      params: (now) => [now],
    },
    escalated: {
      where: `a.status = 'escalated'
        and not exists (select 1 from tool_approvals b
          where b.proposal_id = a.proposal_id and b.created_at > a.created_at)
        and exists (select 1 from governance_cases c where c.id::text = p.case_id and c.status = 'open')`,
      params: () => [],
    },
    closed_case: {
      where: `a.status = 'pending' and p.case_id is not null and exists (select 1 from governance_cases c
        where c.id::text = p.case_id and c.status <> 'open')`,
      params: () => [],
    },
  };

/** Lanes whose next transition of `kind` is due at `now`, longest due first, at most `limit`. */
export async function findDueLanes(
  em: EntityManager,
  kind: DueKind,
  now: string,
  graceMs: number,
  limit: number,
): Promise<LaneWithProposal[]> {
  // Expiry pages follow the due index, most overdue first; sorting every due lane by
  // another column made each page of a large backlog cost as much as the whole backlog.
  const order = kind === 'expiry' ? 'a.expires_at' : 'a.updated_at';
  // A sweep never runs a tool: the proposal's input (up to maxInputBytes a lane) is not read.
  const select = LANE_WITH_PROPOSAL.replace('p.input_snapshot', 'null as input_snapshot');
  const rows = await runStatement(
    em,
    `${select} where ${due[kind].where} order by ${order} limit ?`,
    [...due[kind].params(now, graceMs), limit],
  );
  return rows.map(toLaneWithProposal);
}

/**
 * Marks a lane as never to be re-driven (nor its lapsed claim settled): the workers found
 * that its row and its chain disagree, so nothing may run for it until someone repairs the
 * row (see README, Workers) and deletes the mark. Without it, a forged row would be handed
 * on, read and replayed again every `redriveAfterMs`, for ever.
 */
export async function holdBackRedrives(em: EntityManager, laneId: string): Promise<void> {
  await runStatement(
    em,
    `insert into lane_redrives (lane_id, redriven_at) values (?::uuid, 'infinity')
     on conflict (lane_id) do update set redriven_at = excluded.redriven_at`,
    [laneId],
  );
}

/**
 * Claims the lanes whose `kind` job is due again (see {@link DueKind}) and that were not
 * re-driven within `graceMs`, marking each as re-driven now in the same statement, so two
 * reconcilers or two runs never hand one lane on twice in an interval. With `jobTable`
 * (Agenda's table in this database), a lane whose job is still there, waiting or running,
 * is left alone: it is late, not lost. Returns their ids.
 */
export async function claimRedrives(
  em: EntityManager,
  kind: 'resume' | 'execution',
  now: string,
  graceMs: number,
  limit: number,
  jobTable: string | null,
): Promise<string[]> {
  // One hashed anti-join over the waiting jobs, not a look-up per lane.
  const queued = jobTable
    ? `and a.id::text not in (select j.data->>'laneId' from ${jobTable} j
         where j.next_run_at is not null and j.failed_at is null
           and j.data->>'laneId' is not null)`
    : '';
  const rows = await runStatement(
    em,
    `with due as (
       select a.id from tool_approvals a
        where ${due[kind].where}
          and not exists (select 1 from lane_redrives r where r.lane_id = a.id
            and r.redriven_at > ?::timestamptz - make_interval(secs => ? / 1000.0))
          ${queued}
        order by a.updated_at limit ?)
     insert into lane_redrives (lane_id, redriven_at) select id, ?::timestamptz from due
     on conflict (lane_id) do update set redriven_at = excluded.redriven_at
     returning lane_id`,
    [...due[kind].params(now, graceMs), now, graceMs, limit, now],
  );
  return rows.map((r) => r.lane_id as string);
}
