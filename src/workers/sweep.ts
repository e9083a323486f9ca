import type { LaneEvent } from '../../machines/laneTypes.js';
import { findDueLanes } from '../../persistence/dueLanes.repository.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import { applyLaneEvents } from '../lanes/applyLaneEvents.js';
import type { ExecutionSettings } from './executionSettings.js';

/**
 * Applies `eventFor` to every lane due for `kind`, a page at a time, until none is left;
 * returns how many lanes moved. Each lane is one call of `applyLaneEvents`, and the lane
 * store writes them many to a statement.
 */
export async function sweepDueLanes(
  rt: GovernanceRuntime,
  settings: ExecutionSettings,
  enqueue: Enqueue,
  kind: 'expiry' | 'lease',
  eventFor: (found: LaneWithProposal, now: Date) => LaneEvent,
): Promise<number> {
  let settled = 0;
  for (;;) {
    const now = rt.now();
    const due = await rt.withEm('sweep', (em) =>
      findDueLanes(em, kind, now.toISOString(), 0, settings.sweepBatchSize),
    );
    if (due.length === 0) return settled;
    const applied = await Promise.all(
      due.map((found) =>
        applyLaneEvents(rt, found.lane.id, [eventFor(found, now)], { enqueue, known: found }),
      ),
    );
    settled += applied.filter((a) => a.result.ok).length;
    if (due.length < settings.sweepBatchSize) return settled;
  }
}
