import { CountersignError } from './countersignError.js';

/**
 * The database refused or failed a statement countersign needed. The operation was rolled
 * back. The message names the operation and the SQLSTATE only (the driver's text can quote
 * the values written); `cause` holds the driver's error, for logs.
 *
 * @example
 * if (isDatabaseError(e)) console.error(e.operation, e.cause)
 */
export class DatabaseError extends CountersignError {
  override name = 'DatabaseError' as const;
  readonly operation: string;
  /** The SQLSTATE PostgreSQL answered with, or null when it did not answer. */
  readonly sqlState: string | null;

  constructor(operation: string, cause: unknown) {
    const state = (cause as { code?: unknown } | null)?.code;
    const sqlState = typeof state === 'string' && /^[0-9A-Z]{5}$/.test(state) ? state : null;
    super('database', `${operation} failed (${sqlState ? `SQLSTATE ${sqlState}` : 'no answer'})`, {
      cause,
    });
    this.operation = operation;
    this.sqlState = sqlState;
  }
}

/** True when `error` is a {@link DatabaseError}. @example isDatabaseError(e) */
export function isDatabaseError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError;
}
