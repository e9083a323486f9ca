/** How executions are claimed, retried and re-driven. */
export interface ExecutionSettings {
  /** A claim lasts the tool's timeout plus this much before it counts as interrupted. */
  leaseGraceMs: number;
  /** Runs of an idempotent tool before it fails for good. */
  maxAttempts: number;
  /** First retry delay; doubles with each attempt. */
  retryBackoffMs: number;
  /** An approved or queued lane untouched this long is re-driven by the reconciler. */
  redriveAfterMs: number;
  /** Lanes one sweep statement handles. */
  sweepBatchSize: number;
  /**
   * A worker that lacks a lane's approved tool version leaves the lane to workers that have
   * it (a rolling deploy, a fleet with different tools); only once the lane has waited this
   * long does such a worker fail it as `tool_unavailable`.
   */
  toolUnavailableAfterMs: number;
}

export const defaultExecutionSettings: ExecutionSettings = {
  leaseGraceMs: 5_000,
  maxAttempts: 5,
  retryBackoffMs: 1_000,
  redriveAfterMs: 10_000,
  sweepBatchSize: 500,
  toolUnavailableAfterMs: 300_000,
};
