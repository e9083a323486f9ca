/** Why countersign's database could not be opened; each code has its own one-line message. */
export type DatabaseOpenCode =
  /** No server answered at the URL, or it refused the connection. */
  | 'database_unreachable'
  /** The server answered, but the database the URL names (or the embedded directory) is not there. */
  | 'database_missing'
  /** Another live process holds the embedded data directory. */
  | 'database_in_use';

/** The process holding an embedded data directory, as its lock file says. */
export interface EmbeddedHolder {
  pid: number;
  /** The private socket URL it serves the database on; null while it is still starting. */
  url: string | null;
}

/**
 * Opening the database failed before any statement ran. `src` reports it as a `DatabaseError`
 * with the same `code` and message (persistence does not depend on `src`).
 */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError' as const;
  readonly code: DatabaseOpenCode;
  /** For `database_in_use`: who holds the directory. */
  readonly holder: EmbeddedHolder | null;

  constructor(
    code: DatabaseOpenCode,
    message: string,
    options: { cause?: unknown; holder?: EmbeddedHolder } = {},
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.holder = options.holder ?? null;
  }
}

/** True when `error` is a {@link DatabaseOpenError}, optionally with `code`. */
export function isDatabaseOpenError(
  error: unknown,
  code?: DatabaseOpenCode,
): error is DatabaseOpenError {
  return error instanceof DatabaseOpenError && (code === undefined || error.code === code);
}
