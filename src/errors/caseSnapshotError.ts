import { CountersignError } from './countersignError.js';

/**
 * A stored case snapshot cannot be restored: it belongs to another machine, to a version
 * with no registered migration, or the machine itself failed on it. Nothing was written.
 *
 * @example
 * if (e instanceof CaseSnapshotError) alert(`case ${e.caseId} cannot be restored: ${e.code}`)
 */
export class CaseSnapshotError extends CountersignError {
  override name = 'CaseSnapshotError' as const;
  readonly caseId: string;

  constructor(
    code: 'foreign_machine' | 'unsupported_version' | 'malformed' | 'machine_error',
    caseId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(code, `case ${caseId}: ${detail}`, options);
    this.caseId = caseId;
  }
}

/** True when `error` is a {@link CaseSnapshotError}. @example isCaseSnapshotError(e) */
export function isCaseSnapshotError(error: unknown): error is CaseSnapshotError {
  return error instanceof CaseSnapshotError;
}
