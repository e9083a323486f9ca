import type { z } from 'zod';

// PostgreSQL text and jsonb cannot hold NUL or unpaired surrogates; JSON.stringify writes
// both as \u escapes, so only text containing one needs the walk.
function unstorable(value: unknown, path: PropertyKey[]): PropertyKey[] | null {
  if (typeof value === 'string') {
    return value.includes('\0') || !value.isWellFormed() ? path : null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const keyPath = [...path, Array.isArray(value) ? Number(key) : key];
    if (key.includes('\0') || !key.isWellFormed()) return keyPath;
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
