import { z } from 'zod';
import { CountersignError } from './countersignError.js';

/**
 * A call whose arguments do not have the documented shape (a non-object context, a blank
 * actor id, an unknown context field). Nothing was written.
 *
 * @example
 * if (isInvalidRequestError(e)) console.log(e.issues)
 */
export class InvalidRequestError extends CountersignError {
  override name = 'InvalidRequestError' as const;
  readonly issues: z.core.$ZodIssue[];

  constructor(message: string, issues: z.core.$ZodIssue[]) {
    super('invalid_request', message);
    this.issues = issues;
  }
}

/** True when `error` is an {@link InvalidRequestError}. @example isInvalidRequestError(e) */
export function isInvalidRequestError(error: unknown): error is InvalidRequestError {
  return error instanceof InvalidRequestError;
}

/** `value` as `schema` parses it; otherwise an {@link InvalidRequestError} naming `what`. */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidRequestError(
      `invalid ${what}: ${z.prettifyError(result.error)}`,
      result.error.issues,
    );
  }
  return result.data;
}
