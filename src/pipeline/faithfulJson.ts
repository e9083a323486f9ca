import { types } from 'node:util';

/** Where a value stops being plain JSON, and what stands there. */
export interface UnfaithfulJson {
  path: PropertyKey[];
  found: string;
}

const MAX_DEPTH = 256;

function describe(value: unknown): string {
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)
    ?.constructor?.name;
  return `a ${typeof name === 'string' ? name : 'non-plain object'}`;
}

// What was found and where, the path built only on the way back up (inputs that are plain
// JSON, nearly all of them, allocate nothing for it).
type Found = { reversed: PropertyKey[]; found: string };
const at = (found: string): Found => ({ reversed: [], found });

// A value that throws when read (a Proxy's trap, a getter, a Date method on what only
// inherits from a Date) is reported where it stands, never thrown at the caller; the error's
// own text is the host's, so it is not repeated in what is stored.
function walk(v: unknown, depth: number, ancestors: unknown[], toJson: boolean): Found | null {
  try {
    return walkValue(v, depth, ancestors, toJson);
  } catch {
    return at('a value that throws when it is read');
  }
}

function walkValue(v: unknown, depth: number, ancestors: unknown[], toJson: boolean): Found | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : at(describe(v));
  if (typeof v !== 'object') return at(describe(v));
  // A valid Date is its ISO text, one text per instant; an invalid one would be null. Only a
  // real Date has a time: an object whose prototype is one (or a Proxy of one) has none.
  if (v instanceof Date) {
    if (!types.isDate(v)) return at('an object that inherits from a Date but is not one');
    return Number.isFinite(v.getTime()) ? null : at('an invalid Date');
  }
  if (toJson && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return walk((v as { toJSON(): unknown }).toJSON(), depth, ancestors, toJson);
  }
  if (depth >= MAX_DEPTH) return at(`nesting deeper than ${MAX_DEPTH}`);
  for (let i = 0; i < depth; i += 1) {
    if (ancestors[i] === v) return at('a reference to an enclosing value (a cycle)');
  }
  ancestors[depth] = v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i += 1) {
      const found = i in v ? walk(v[i], depth + 1, ancestors, toJson) : at('a hole in the array');
      if (found) return (found.reversed.push(i), found);
    }
    return null;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return at(describe(v));
  if (Object.getOwnPropertySymbols(v).length > 0) return at('a symbol-keyed property');
  for (const key in v) {
    const child = (v as Record<string, unknown>)[key];
    if (child === undefined) continue;
    const found = walk(child, depth + 1, ancestors, toJson);
    if (found) return (found.reversed.push(key), found);
  }
  return null;
}

/**
 * The first place where `value` is not plain JSON — anything canonical JSON cannot write
 * and read back as the same value — or null when it is: plain objects, arrays without holes,
 * finite numbers, strings, booleans, null, and valid Dates (stored as their ISO text, as a
 * zod date schema expects). Object properties that are `undefined` are absent in JSON and
 * count as absent, and `undefined` itself is null. With `toJson`, other values with a
 * `toJSON` method are taken as what it returns. Never throws: a value that throws when read
 * is reported as such.
 */
export function unfaithfulJson(
  value: unknown,
  options: { toJson?: boolean } = {},
): UnfaithfulJson | null {
  // Nothing at all is stored as null, as JSON has it (a tool that returns nothing).
  const found = value === undefined ? null : walk(value, 0, [], options.toJson === true);
  return found && { path: found.reversed.reverse(), found: found.found };
}

/**
 * A rough size of a raw value as JSON, counted only up to `limit` (then `limit + 1`), so a
 * huge input is refused before any schema walks all of it. A cycle counts until the limit;
 * nesting deeper than any schema would take counts as over it.
 */
export function boundedJsonSize(value: unknown, limit: number): number {
  return Math.min(sizeUpTo(value, 0, 0, limit), limit + 1);
}

// `size` so far plus `v`'s, counting stopped once past `limit` (a function of its own, not a
// closure made on every call: this runs for every validated input).
function sizeUpTo(v: unknown, depth: number, size: number, limit: number): number {
  if (size > limit) return size;
  if (depth > MAX_DEPTH * 4) return limit + 1;
  if (typeof v === 'string') return size + v.length + 2;
  if (typeof v !== 'object' || v === null) return size + 8;
  let total = size + 2;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && total <= limit; i += 1)
      total = sizeUpTo(v[i], depth + 1, total, limit);
    return total;
  }
  for (const key in v) {
    if (total > limit) return total;
    total = sizeUpTo((v as Record<string, unknown>)[key], depth + 1, total + key.length + 3, limit);
  }
  return total;
}
