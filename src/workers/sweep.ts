import { findDueLanes } from '../../persistence/dueLanes.repository.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import type { AppliedLaneEvents } from '../lanes/applyLaneEvents.js';
import type { ExecutionSettings } from './executionSettings.js';

/**
 * Applies `apply` to every lane due for `kind`, a page at a time, until none is left;
 * returns how many lanes moved. Each lane is one call of `applyLaneEvents`, and the lane
 * store writes them many to a statement.
 */
export async function sweepDueLanes(
  rt: GovernanceRuntime,
  settings: ExecutionSettings,
  kind: 'expiry' | 'lease' | 'closed_case' | 'escalated',
  apply: (found: LaneWithProposal, now: Date) => Promise<AppliedLaneEvents>,
): Promise<number> {
  let settled = 0;
  for (;;) {
    const now = rt.now();
    const due = await rt.withEm('sweep', (em) =>
      findDueLanes(em, kind, now.toISOString(), 0, settings.sweepBatchSize),
    );
    if (due.length === 0) return settled;
    const applied = await Promise.all(due.map((found) => apply(found, now)));
    settled += applied.filter((a) => a.result.ok).length;
    if (due.length < settings.sweepBatchSize) return settled;
  }
}
