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
}

export const defaultExecutionSettings: ExecutionSettings = {
  leaseGraceMs: 5_000,
  maxAttempts: 5,
  retryBackoffMs: 1_000,
  redriveAfterMs: 10_000,
  sweepBatchSize: 500,
};
