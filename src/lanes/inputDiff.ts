import type { InputChange } from '../../machines/laneTypes.js';
import { canonicalJson } from '../canonicalJson.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A key as one JSON Pointer token (RFC 6901). */
export const pointerToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Where `after` differs from `before`, as JSON Pointer paths with the values on each side:
 * objects key by key (sorted), arrays index by index, anything else whole. An empty list
 * when they are the same JSON. `{ a: 1, b: 2 }` → `{ a: 1, b: 3 }` is one change: path
 * `/b`, before 2, after 3.
 */
export function diffInputs(before: unknown, after: unknown, path = ''): InputChange[] {
  const nested = (keys: string[], at: (v: unknown, k: string) => [boolean, unknown]) =>
    keys.flatMap((key) => {
      const here = `${path}/${pointerToken(key)}`;
      const [hadIt, was] = at(before, key);
      const [hasIt, is] = at(after, key);
      if (!hasIt) return [{ path: here, before: was }];
      if (!hadIt) return [{ path: here, after: is }];
      return diffInputs(was, is, here);
    });
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return nested(keys, (v, k) => [
      Object.hasOwn(v as object, k),
      (v as Record<string, unknown>)[k],
    ]);
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const keys = Array.from({ length: Math.max(before.length, after.length) }, (_, i) => `${i}`);
    return nested(keys, (v, k) => [
      Number(k) < (v as unknown[]).length,
      (v as unknown[])[Number(k)],
    ]);
  }
  return canonicalJson(before) === canonicalJson(after) ? [] : [{ path, before, after }];
}

/**
 * The changes that fall outside `fields` (top-level keys, or JSON Pointer prefixes starting
 * with `/`): a change is inside a field when its path is the field's or below it.
 */
export function changesOutside(
  changes: readonly InputChange[],
  fields: readonly string[],
): InputChange[] {
  const prefixes = fields.map((f) => (f.startsWith('/') ? f : `/${pointerToken(f)}`));
  return changes.filter((c) => !prefixes.some((p) => c.path === p || c.path.startsWith(`${p}/`)));
}
