import type { EntityManager } from '@mikro-orm/postgresql';
import { LANE_WITH_PROPOSAL, toLaneWithProposal } from './lane.repository.js';
import { runStatement } from './statement.js';
import type { LaneWithProposal } from './lane.repository.js';

/**
 * What the reconciler looks for, each a lane whose next transition is due at `now`:
 * - `expiry`: pending past its deadline;
 * - `resume`: approved and untouched for `graceMs` (its resume job went missing);
 * - `execution`: queued for execution, with its retry due, or untouched for `graceMs`;
 * - `lease`: running with a lapsed claim (its process died mid-run).
 */
export type DueKind = 'expiry' | 'resume' | 'execution' | 'lease';

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
      where: `a.status = 'execution_pending' and a.execution_state = 'running' and a.lease_until <= ?::timestamptz`,
      params: (now) => [now],
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
  const rows = await runStatement(
    em,
    `${LANE_WITH_PROPOSAL} where ${due[kind].where} order by ${order} limit ?`,
    [...due[kind].params(now, graceMs), limit],
  );
  return rows.map(toLaneWithProposal);
}
