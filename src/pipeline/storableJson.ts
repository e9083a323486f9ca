import type { z } from 'zod';

/** PostgreSQL text and jsonb cannot hold NUL or unpaired surrogates. */
export function isStorableText(text: string): boolean {
  return !text.includes('\0') && text.isWellFormed();
}

const MAX_NOTE = 1_000;

/**
 * A copy of a JSON-like value (zod issues, say) that PostgreSQL can store: every string,
 * keys included, made well-formed, NUL-free and at most 1,000 characters.
 */
export function storableCopy(value: unknown): unknown {
  const text = (s: string) => {
    const clean = s.toWellFormed().replaceAll('\0', '\uFFFD');
    return clean.length > MAX_NOTE ? `${clean.slice(0, MAX_NOTE)}…` : clean;
  };
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map(storableCopy);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), storableCopy(v)]));
}

// JSON.stringify writes NUL and unpaired surrogates as \u escapes, so only text containing
// one needs the walk.
function unstorable(value: unknown, path: PropertyKey[]): PropertyKey[] | null {
  if (typeof value === 'string') return isStorableText(value) ? null : path;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const keyPath = [...path, Array.isArray(value) ? Number(key) : key];
    // The offending key is named by its position's parent; the key itself cannot be stored.
    if (!isStorableText(key)) return path;
    const found = unstorable(child, keyPath);
    if (found) return found;
  }
  return null;
}

/**
 * Issues for a validated input that PostgreSQL could not store or that is larger than
 * `maxBytes`, given the input and its canonical JSON text. Empty when it can be stored.
 */
export function storabilityIssues(
  value: unknown,
  text: string,
  maxBytes: number,
): z.core.$ZodIssue[] {
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    return [
      {
        code: 'custom',
        path: [],
        message: `input is ${bytes} bytes of JSON; the limit is ${maxBytes}`,
        input: undefined,
      },
    ];
  }
  const path = text.includes('\\u') ? unstorable(value, []) : null;
  if (!path) return [];
  return [
    {
      code: 'custom',
      path,
      message: 'text contains a NUL character or an unpaired surrogate, which cannot be stored',
      input: undefined,
    },
  ];
}
