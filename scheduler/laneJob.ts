import { z } from 'zod';

/**
 * What a lane job did. Every handler is idempotent: a second delivery finds the lane past
 * its step and answers `skipped`.
 */
export type JobOutcome =
  | { status: 'applied'; laneStatus: string }
  | { status: 'skipped'; reason: string }
  | { status: 'not_found' };

/** What the reconcile sweep did, by kind of due step. */
export interface ReconcileOutcome {
  expired: number;
  interrupted: number;
  resumed: number;
  executed: number;
}

/** The lane steps the workers run; the runtime (src) implements them. */
export interface LaneSteps {
  expire(laneId: string): Promise<JobOutcome>;
  resume(laneId: string): Promise<JobOutcome>;
  execute(laneId: string): Promise<JobOutcome>;
  reconcile(): Promise<ReconcileOutcome>;
}

/** Payload of every lane job. Payloads round-trip through JSON, so they are checked on arrival. */
export const lanePayloadSchema = z.strictObject({ laneId: z.uuid() });
export type LanePayload = z.infer<typeof lanePayloadSchema>;

/** A job over one lane: its name, payload schema, uniqueness key and handler. */
export interface LaneJobDefinition {
  name: string;
  payload: typeof lanePayloadSchema;
  /**
   * Jobs for one lane and step are interchangeable: the lane's optimistic concurrency makes
   * every delivery after the first a no-op, so the key is documented rather than stored
   * (Agenda's `unique` would cost a scan of the job table per enqueue).
   */
  uniqueKey: (payload: LanePayload) => string;
  perform: (payload: LanePayload, steps: LaneSteps) => Promise<JobOutcome>;
}

/** Checks a job's raw payload; throws a message naming the job and the bad fields. */
export function parseLanePayload(name: string, data: unknown): LanePayload {
  const parsed = lanePayloadSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(`${name}: invalid payload: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
