import { z } from 'zod';
import type { CasePath } from '../../machines/caseTypes.js';
import { InvalidRequestError } from '../errors/invalidRequestError.js';
import { casePathProblem, isCasePath } from '../../machines/casePath.js';

export {
  casePathProblem,
  isCasePath,
  maxCasePathLength,
  maxCasePathSegments,
} from '../../machines/casePath.js';

/**
 * A case path: `'/'`, or absolute `/`-separated segments of `[A-Za-z0-9_.-]` (1..64 each,
 * not `.` or `..`), at most 32 segments and 512 characters, no trailing slash.
 *
 * @example casePathSchema.parse('/research/web')
 */
export const casePathSchema = z.string().superRefine((value, ctx) => {
  const problem = casePathProblem(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: `case path ${problem}` });
});

/** The outcome of {@link parseCasePath}. */
export type CasePathResult =
  { ok: true; path: CasePath } | { ok: false; issues: z.core.$ZodIssue[]; message: string };

/**
 * Checks a value is a case path; the issues say why not.
 *
 * @example
 * const r = parseCasePath('/research'); if (r.ok) use(r.path)
 */
export function parseCasePath(value: unknown): CasePathResult {
  const parsed = casePathSchema.safeParse(value);
  if (parsed.success) return { ok: true, path: parsed.data };
  return { ok: false, issues: parsed.error.issues, message: z.prettifyError(parsed.error) };
}

/**
 * True when `path` is `ancestor` or lies below it, by whole segments: `'/research'` holds
 * `'/research/web'` but not `'/researchers'`; `'/'` holds every path. A malformed path is
 * within nothing, so a bad stored value can never widen a match.
 *
 * @example isWithin('/research/web', '/research') // true
 */
export function isWithin(path: CasePath, ancestor: CasePath): boolean {
  if (!isCasePath(path) || !isCasePath(ancestor)) return false;
  return ancestor === '/' || path === ancestor || path.startsWith(`${ancestor}/`);
}

/**
 * Every path from `'/'` down to `path`, root first. Throws {@link InvalidRequestError} for a
 * malformed path: a policy read over a made-up chain would be a silent wrong answer.
 *
 * @example pathChain('/research/web') // ['/', '/research', '/research/web']
 */
export function pathChain(path: CasePath): CasePath[] {
  const parsed = parseCasePath(path);
  if (!parsed.ok)
    throw new InvalidRequestError(`invalid case path: ${parsed.message}`, parsed.issues);
  if (path === '/') return ['/'];
  const chain: CasePath[] = ['/'];
  let prefix = '';
  for (const segment of path.slice(1).split('/')) {
    prefix = `${prefix}/${segment}`;
    chain.push(prefix);
  }
  return chain;
}
