import { z } from 'zod';
import type { ActorWrite } from '../../persistence/actorWrite.js';
import type { LaneRow } from '../../persistence/rows.js';
import type { LaneEffect } from '../../machines/laneTypes.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import { InvalidRequestError, parseRequest } from '../errors/invalidRequestError.js';
import { announced, enqueueJobs, jobsOf } from './applyLaneEvents.js';
import { decisionEventSchema } from './laneEventSchema.js';
import type { LaneError } from './laneResult.js';
import { transitionLane } from './laneTransition.js';
import type { Approval } from './laneView.js';
import { stamp } from './sendLaneEvent.js';

/** One decision of a batch: a lane and the event (`APPROVE`, `REJECT`, `DEFER`, `EXPIRE`). */
export interface BatchDecision {
  laneId: string;
  event: z.input<typeof decisionEventSchema>;
}

/** Why one decision of a batch was refused; the batch then wrote nothing. */
export interface BatchRefusal {
  laneId: string;
  error: LaneError;
  reason?: string;
}

/** All decided together, or none, with every refusal named. */
export type BatchResult =
  { ok: true; approvals: Approval[] } | { ok: false; refusals: BatchRefusal[] };

export const MAX_BATCH = 1_000;

const batchSchema = z
  .array(z.strictObject({ laneId: z.uuid(), event: decisionEventSchema }))
  .min(1)
  .max(MAX_BATCH)
  .refine((b) => new Set(b.map((d) => d.laneId)).size === b.length, 'a lane appears twice');

/**
 * Applies many decisions as one: each is judged exactly as alone (pending, four-eyes, role,
 * deadline, the event's own rules); if any is refused nothing is written and every refusal
 * is named; otherwise every lane's transition and audit events commit in one statement, or
 * — should any lane move meanwhile — none does. It answers once committed; the lanes' jobs
 * are handed to `enqueue` all at once after that, failures reported as `enqueueFailed`.
 */
export async function decideMany(
  rt: GovernanceRuntime,
  decisions: unknown,
  actorId: unknown,
  enqueue: Enqueue = rt.lanes.enqueue,
): Promise<BatchResult> {
  const batch = parseRequest(batchSchema, decisions, 'decision batch');
  if (typeof actorId !== 'string') {
    throw new InvalidRequestError('invalid decision batch: actorId must be a string', []);
  }
  const found = await Promise.all(batch.map((d) => rt.laneStore.read(d.laneId)));
  const machine = { inspect: rt.lanes.inspect, keys: rt.audit };
  const refusals: BatchRefusal[] = [];
  const writes: {
    write: ActorWrite<LaneRow>;
    effects: LaneEffect[];
    from: string;
    event: string;
  }[] = [];
  for (const [i, d] of batch.entries()) {
    const lane = found[i];
    if (!lane) {
      refusals.push({ laneId: d.laneId, error: 'not_found' });
      continue;
    }
    const stamped = await stamp(rt, { ...d.event, actorId } as never);
    if ('refused' in stamped) {
      refusals.push({ laneId: d.laneId, error: 'forbidden', reason: stamped.refused });
      continue;
    }
    const transition = transitionLane(lane, [stamped], machine);
    if (!transition.write) {
      const r = transition.result;
      refusals.push({
        laneId: d.laneId,
        error: r.ok ? 'conflict' : r.error,
        ...(!r.ok && r.reason ? { reason: r.reason } : {}),
      });
      continue;
    }
    writes.push({
      write: transition.write,
      effects: transition.effects,
      from: lane.lane.status,
      event: d.event.type,
    });
  }
  if (refusals.length > 0) return { ok: false, refusals };
  if (!(await rt.laneStore.writeAll(writes.map((w) => w.write)))) {
    // Name the lanes that moved since they were judged.
    const now = await Promise.all(batch.map((d) => rt.laneStore.read(d.laneId)));
    const reason = 'the lane changed meanwhile; nothing of the batch was written';
    return {
      ok: false,
      refusals: batch
        .filter((_, i) => now[i]?.lane.version !== found[i]!.lane.version)
        .map((d) => ({ laneId: d.laneId, error: 'conflict' as const, reason })),
    };
  }
  const approvals = writes.map((w) => announced(w.write.row, w.from, w.event));
  // Answered once committed: the jobs go to the scheduler in one batch behind the answer, not
  // one by one before it (a client would time out and retry a batch already decided). A job
  // lost here is the reconciler's to re-drive, as after a crash between commit and enqueue.
  void enqueueJobs(
    writes.flatMap((w) => jobsOf(w.write.row.id, w.effects)),
    enqueue,
  );
  return { ok: true, approvals };
}
