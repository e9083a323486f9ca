import { findOverdueCases } from '../../persistence/case.repository.js';
import { isCaseSnapshotError } from '../errors/caseSnapshotError.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import { applyLaneEvents } from '../lanes/applyLaneEvents.js';
import type { ExecutionSettings } from '../workers/executionSettings.js';
import { sweepDueLanes } from '../workers/sweep.js';
import { openEscalatedLane } from '../lanes/requestApproval.js';
import { depthOf } from './approvalTimeout.js';
import { applyCaseEvents } from './cases.js';

/**
 * The reconcile sweep's part for cases: every open case past its deadline times out; an
 * escalated lane whose next lane never opened gets it; and every lane still pending in a
 * case that is no longer open (timed out, cancelled or completed) expires, so nobody can
 * approve work of a closed case. Each step finds its work in the database each time, so a
 * process that dies between them loses nothing. Runs in flight need no step here: their
 * deadline was cut to the case's when they started.
 */
export async function closeDueCases(
  rt: GovernanceRuntime,
  settings: ExecutionSettings,
  enqueue: Enqueue,
): Promise<{ timedOut: number; lanesClosed: number }> {
  let timedOut = 0;
  for (;;) {
    const at = rt.now().toISOString();
    const due = await rt.withEm('sweep', (em) => findOverdueCases(em, at, settings.sweepBatchSize));
    let moved = 0;
    for (const caseId of due) {
      // A case whose row its chain does not prove stays as it is (it fails closed on use);
      // the others still time out.
      const result = await applyCaseEvents(rt, caseId, () => [{ type: 'TIME_OUT', at }]).catch(
        (error: unknown) => {
          if (isCaseSnapshotError(error)) return null;
          throw error;
        },
      );
      if (result?.ok) timedOut += 1;
      if (result) moved += 1;
    }
    if (due.length < settings.sweepBatchSize || moved === 0) break;
  }
  // An escalation commits before the next lane opens: a lane that escalated with no later
  // one (its process died in between) gets it now.
  await sweepDueLanes(rt, settings, 'escalated', async (found) => {
    const escalation = (await rt.cases.read(found.caseId!))?.policy.timeouts?.escalation;
    if (!escalation) return { result: { ok: false, error: 'not_found' }, lane: null };
    const { approverRole, ttlSeconds } = escalation;
    const depth = depthOf(found) + 1;
    const opened = await openEscalatedLane(
      rt,
      found.lane.proposalId,
      { approverRole, ttlSeconds, depth },
      enqueue,
    );
    return { result: opened, lane: null };
  });
  const lanesClosed = await sweepDueLanes(rt, settings, 'closed_case', (found, now) =>
    applyLaneEvents(
      rt,
      found.lane.id,
      [{ type: 'EXPIRE', actorId: 'system:case_closed', at: now.toISOString() }],
      {
        enqueue,
        known: found,
      },
    ),
  );
  return { timedOut, lanesClosed };
}
