import { CountersignError } from './countersignError.js';

/**
 * A stored lane snapshot cannot be restored: it belongs to another machine, to a version
 * with no registered migration, or the machine itself failed on it. Nothing was written.
 *
 * @example
 * if (isLaneSnapshotError(e)) alert(`lane ${e.laneId} cannot be restored: ${e.code}`)
 */
export class LaneSnapshotError extends CountersignError {
  override name = 'LaneSnapshotError' as const;
  readonly laneId: string;

  constructor(
    code: 'foreign_machine' | 'unsupported_version' | 'malformed' | 'machine_error',
    laneId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(code, `lane ${laneId}: ${detail}`, options);
    this.laneId = laneId;
  }
}

/** True when `error` is a {@link LaneSnapshotError}. @example isLaneSnapshotError(e) */
export function isLaneSnapshotError(error: unknown): error is LaneSnapshotError {
  return error instanceof LaneSnapshotError;
}
