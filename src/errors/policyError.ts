import type { z } from 'zod';
import { ConfigurationError } from './configurationError.js';

/**
 * A policy body, or an edit of one, that breaks the policy rules, or a policy name that is
 * unknown: nothing was written. `issues` locate each problem in the body.
 *
 * @example
 * try { await gov.definePolicy('p', body, { actorId }) } catch (e) { if (e instanceof PolicyError) show(e.issues) }
 */
export class PolicyError extends ConfigurationError {
  override name = 'PolicyError' as const;
  readonly issues: z.core.$ZodIssue[];

  constructor(message: string, issues: z.core.$ZodIssue[] = []) {
    super(message);
    this.issues = issues;
  }
}

/** True when `error` is a {@link PolicyError}. @example isPolicyError(e) */
export function isPolicyError(error: unknown): error is PolicyError {
  return error instanceof PolicyError;
}
