import { CountersignError } from './countersignError.js';

/**
 * A stored case cannot be used: its snapshot belongs to another machine, to a version with
 * no registered migration, the machine itself failed on it, or (`inconsistent`) its row is
 * not what its chain, replayed through the case machine, leads to — `field` names the first
 * part that disagrees. Nothing was written.
 *
 * @example
 * if (e instanceof CaseSnapshotError) alert(`case ${e.caseId} cannot be restored: ${e.code}`)
 */
export class CaseSnapshotError extends CountersignError {
  override name = 'CaseSnapshotError' as const;
  readonly caseId: string;
  /** For `inconsistent`: the row's field (or `chain`) that disagrees with the chain. */
  readonly field: string | null;

  constructor(
    code:
      'foreign_machine' | 'unsupported_version' | 'malformed' | 'machine_error' | 'inconsistent',
    caseId: string,
    detail: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(code, `case ${caseId}: ${detail}`, options);
    this.caseId = caseId;
    this.field = options?.field ?? null;
  }
}

/** True when `error` is a {@link CaseSnapshotError}. @example isCaseSnapshotError(e) */
export function isCaseSnapshotError(error: unknown): error is CaseSnapshotError {
  return error instanceof CaseSnapshotError;
}
