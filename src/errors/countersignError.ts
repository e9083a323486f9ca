/**
 * Base class of every error countersign throws. Expected outcomes (a blocked proposal, a
 * refused decision) are returned as results instead; a thrown error means infrastructure or
 * a programming mistake, and `code` says which.
 *
 * @example
 * try { await gov.propose('refund', 'alice', ctx) } catch (e) { if (isCountersignError(e)) log(e.code) }
 */
export class CountersignError extends Error {
  override name: string = 'CountersignError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * True when `error` was thrown by countersign.
 *
 * @example
 * if (isCountersignError(e) && e.code === 'database') retryLater()
 */
export function isCountersignError(error: unknown): error is CountersignError {
  return error instanceof CountersignError;
}
