import { z } from 'zod';
import { caseIdProblem, MAX_CASE_ID_CHARACTERS } from '../../persistence/caseId.js';
import { isStorableText } from './storableJson.js';

/**
 * An id or name as every entry point takes it (actor, conversation, policy): trimmed,
 * not empty, at most 256 characters, and text PostgreSQL can store.
 */
export const idSchema = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .refine(isStorableText, 'contains a NUL character or an unpaired surrogate');

/**
 * A case id wherever one is taken (options, HTTP paths and bodies, a proposal's `caseId`):
 * 1–200 printable characters without control or invisible ones, kept exactly as given;
 * see {@link caseIdProblem}.
 */
export const caseIdSchema = z.string().check((ctx) => {
  const problem = caseIdProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});

/** The longest case id percent-encoded in a URL path: 12 characters a code point at most. */
export const MAX_ENCODED_CASE_ID = MAX_CASE_ID_CHARACTERS * '%F0%9F%A7%BE'.length;
