import { z } from 'zod';
import type { CasePath } from '../../machines/caseTypes.js';
import { InvalidRequestError } from '../errors/invalidRequestError.js';

/** Longest case path, in characters. */
export const maxCasePathLength = 512;
/** Most segments a case path may have. */
export const maxCasePathSegments = 32;

const SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Why `value` is not a case path, or null when it is one. The length is checked before any
 * split or regex, so a hostile 10,000-segment path costs one comparison.
 *
 * @example casePathProblem('/a//b') // 'segment 2 is empty (no "//", no trailing "/")'
 */
export function casePathProblem(value: string): string | null {
  if (value.length > maxCasePathLength) {
    return `is ${value.length} characters long; at most ${maxCasePathLength}`;
  }
  if (value === '/') return null;
  if (!value.startsWith('/')) return 'must start with "/" (e.g. "/research/web")';
  const segments = value.slice(1).split('/');
  if (segments.length > maxCasePathSegments) {
    return `has ${segments.length} segments; at most ${maxCasePathSegments}`;
  }
  for (const [i, segment] of segments.entries()) {
    const n = i + 1;
    if (segment === '') return `segment ${n} is empty (no "//", no trailing "/")`;
    if (segment === '.' || segment === '..') return `segment ${n} is "${segment}"`;
    if (!SEGMENT.test(segment)) {
      return `segment ${n} must be 1..64 characters of A-Z, a-z, 0-9, "_", "." or "-"`;
    }
  }
  return null;
}

/** True when `value` is a well-formed case path. @example isCasePath('/research') // true */
export function isCasePath(value: unknown): value is CasePath {
  return typeof value === 'string' && casePathProblem(value) === null;
}

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
