import { CountersignError } from './countersignError.js';

/**
 * The database refused or failed a statement countersign needed. The operation was rolled
 * back; `cause` holds the driver's error.
 *
 * @example
 * if (isDatabaseError(e)) console.error(e.operation, e.cause)
 */
export class DatabaseError extends CountersignError {
  override name = 'DatabaseError' as const;
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('database', `${operation} failed: ${detail}`, { cause });
    this.operation = operation;
  }
}

/** True when `error` is a {@link DatabaseError}. @example isDatabaseError(e) */
export function isDatabaseError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError;
}
