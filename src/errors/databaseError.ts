import { DatabaseOpenError } from '../../persistence/openError.js';
import type { EmbeddedHolder } from '../../persistence/openError.js';
import { CountersignError } from './countersignError.js';

/**
 * The database refused or failed a statement countersign needed (`code: 'database'`; the
 * operation was rolled back), or could not be opened at all: `database_unreachable` (no server
 * answered, or it refused the connection), `database_missing` (the database the URL names, or
 * the embedded directory, does not exist; nothing was created), `database_in_use` (another
 * live process holds the embedded data directory: `holder` names it). A failed statement's
 * message names the operation and the SQLSTATE only (the driver's text can quote the values
 * written); `cause` holds the driver's error, for logs.
 *
 * @example
 * if (isDatabaseError(e)) console.error(e.operation, e.cause)
 */
export class DatabaseError extends CountersignError {
  override name = 'DatabaseError' as const;
  readonly operation: string;
  /** The SQLSTATE PostgreSQL answered with, or null when it did not answer. */
  readonly sqlState: string | null;
  /** For `database_in_use`: the process holding the embedded data directory. */
  readonly holder: EmbeddedHolder | null;

  constructor(operation: string, cause: unknown) {
    const open = cause instanceof DatabaseOpenError ? cause : null;
    const state = ((open ? open.cause : cause) as { code?: unknown } | null)?.code;
    const sqlState = typeof state === 'string' && /^[0-9A-Z]{5}$/.test(state) ? state : null;
    const message = open
      ? open.message
      : `${operation} failed (${sqlState ? `SQLSTATE ${sqlState}` : 'no answer'})`;
    super(open?.code ?? 'database', message, { cause });
    this.operation = operation;
    this.sqlState = sqlState;
    this.holder = open?.holder ?? null;
  }
}

/** True when `error` is a {@link DatabaseError}. @example isDatabaseError(e) */
export function isDatabaseError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError;
}

/**
 * What a failure to open the database throws: a countersign error as it is, anything else (a
 * driver's or PGlite's error) as a {@link DatabaseError} of `operation`, keeping its code.
 */
export function asOpenFailure(operation: string, error: unknown): CountersignError {
  return error instanceof CountersignError ? error : new DatabaseError(operation, error);
}
