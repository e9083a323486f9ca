/** Where a value stops being plain JSON, and what stands there. */
export interface UnfaithfulJson {
  path: PropertyKey[];
  found: string;
}

const MAX_DEPTH = 256;

function describe(value: unknown): string {
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)
    ?.constructor?.name;
  return `a ${name ?? 'non-plain object'}`;
}

/**
 * The first place where `value` is not plain JSON — anything canonical JSON cannot write
 * and read back as the same value — or null when it is: plain objects, arrays without holes,
 * finite numbers, strings, booleans, null, and valid Dates (stored as their ISO text, as a
 * zod date schema expects). Object properties that are `undefined` are absent in JSON and
 * count as absent, and `undefined` itself is null. With `toJson`, other values with a
 * `toJSON` method are taken as what it returns.
 */
export function unfaithfulJson(
  value: unknown,
  options: { toJson?: boolean } = {},
): UnfaithfulJson | null {
  const ancestors = new Set<object>();
  const walk = (v: unknown, path: PropertyKey[]): UnfaithfulJson | null => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
    if (typeof v === 'number') {
      return Number.isFinite(v) ? null : { path, found: describe(v) };
    }
    if (typeof v !== 'object') return { path, found: describe(v) };
    // A valid Date is its ISO text, one text per instant; an invalid one would be null.
    if (v instanceof Date) {
      return Number.isFinite(v.getTime()) ? null : { path, found: 'an invalid Date' };
    }
    if (options.toJson && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      return walk((v as { toJSON(): unknown }).toJSON(), path);
    }
    if (ancestors.has(v)) return { path, found: 'a reference to an enclosing value (a cycle)' };
    if (path.length >= MAX_DEPTH) return { path, found: `nesting deeper than ${MAX_DEPTH}` };
    ancestors.add(v);
    try {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i += 1) {
          if (!(i in v)) return { path: [...path, i], found: 'a hole in the array' };
          const found = walk(v[i], [...path, i]);
          if (found) return found;
        }
        return null;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return { path, found: describe(v) };
      if (Object.getOwnPropertySymbols(v).length > 0)
        return { path, found: 'a symbol-keyed property' };
      for (const [key, child] of Object.entries(v)) {
        if (child === undefined) continue;
        const found = walk(child, [...path, key]);
        if (found) return found;
      }
      return null;
    } finally {
      ancestors.delete(v);
    }
  };
  // Nothing at all is stored as null, as JSON has it (a tool that returns nothing).
  return value === undefined ? null : walk(value, []);
}

/**
 * A rough size of a raw value as JSON, counted only up to `limit` (then `limit + 1`), so a
 * huge input is refused before any schema walks all of it. Cycles count once.
 */
export function boundedJsonSize(value: unknown, limit: number): number {
  let size = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 2;
    else if (typeof v !== 'object' || v === null) size += 8;
    else if (!seen.has(v)) {
      seen.add(v);
      size += 2;
      const entries = Array.isArray(v) ? v : Object.entries(v);
      for (const entry of entries) {
        stack.push(entry);
        if (stack.length > limit) return limit + 1;
      }
    }
  }
  return Math.min(size, limit + 1);
}
