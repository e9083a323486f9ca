import { z } from 'zod';
import type { LaneJob } from '../machines/laneTypes.js';

/** Agenda job names, namespaced so countersign can share an Agenda with its host. */
export const jobNames = {
  'approval-expiry': 'countersign:approval-expiry',
  'approval-resume': 'countersign:approval-resume',
  'tool-execution': 'countersign:tool-execution',
} as const satisfies Record<LaneJob, string>;

/** The recurring sweep that expires, settles and re-drives every lane whose next transition is due. */
export const reconcileJobName = 'countersign:reconcile';

/** A namespaced job name of a lane job. */
export type LaneJobName = (typeof jobNames)[LaneJob];

/** A lane job to run later: what the runtime hands to `enqueue` after it has committed. */
export interface LaneJobRequest {
  name: LaneJobName;
  laneId: string;
  /** When the job is due; null for at once. */
  runAt: Date | null;
}

/** What a lane job did. */
export type JobOutcome =
  | { status: 'applied'; laneStatus: string }
  | { status: 'skipped'; reason: string }
  | { status: 'not_found' };

/** What one reconcile run did, by kind of due lane. */
export interface ReconcileOutcome {
  /** Cases past their deadline that timed out. */
  timedOut: number;
  /** Pending lanes of cases no longer open that expired. */
  lanesClosed: number;
  expired: number;
  interrupted: number;
  resumed: number;
  executed: number;
}

/** What the workers run; the runtime (`src/workers`) implements it. */
export interface LaneJobHandlers {
  /** Expires the lane if it is still pending and due. */
  expire(laneId: string): Promise<JobOutcome>;
  /** Moves an approved lane to execution_pending, then runs its execution in the same job. */
  resume(laneId: string): Promise<JobOutcome>;
  /** Claims a queued lane and runs its tool: the only path on which a tool's `run` is called. */
  execute(laneId: string): Promise<JobOutcome>;
  /** Expires due lanes, settles lapsed claims, re-drives lanes whose job went missing. */
  reconcile(): Promise<ReconcileOutcome>;
}

/**
 * The lane jobs, by name. The idempotency rule, once for all of them: a job carries only
 * its lane's id, and the lane's optimistic version makes every delivery after the first a
 * no-op (`skipped`), so duplicate jobs for one lane are harmless and need no uniqueness
 * key in the job table (Agenda's `unique` would cost a scan of it per enqueue).
 */
export const laneJobs: Record<
  LaneJobName,
  (h: LaneJobHandlers, laneId: string) => Promise<JobOutcome>
> = {
  [jobNames['approval-expiry']]: (h, laneId) => h.expire(laneId),
  [jobNames['approval-resume']]: (h, laneId) => h.resume(laneId),
  [jobNames['tool-execution']]: (h, laneId) => h.execute(laneId),
};

/** Payload of every lane job. Payloads round-trip through JSON, so they are checked on arrival. */
const lanePayloadSchema = z.strictObject({
  laneId: z.uuid(),
  /** The trace context of the transition that declared the job (W3C headers), if traced. */
  trace: z.record(z.string().max(64), z.string().max(1_024)).optional(),
});

/** Checks a job's raw payload; throws a message naming the job and the bad fields. */
export function parseLanePayload(
  name: string,
  data: unknown,
): { laneId: string; trace?: Record<string, string> } {
  const parsed = lanePayloadSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(`${name}: invalid payload: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
