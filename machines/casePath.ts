import type { CasePath } from './caseTypes.js';

// What a case path is, in one place: the ledger's guards and the entry points' schema use it.

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
