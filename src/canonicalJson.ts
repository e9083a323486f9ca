import { hash } from 'node:crypto';

/** JSON value after canonicalisation: what is stored and what is hashed. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * JSON with object keys sorted at every depth, so equal values always give equal text (and
 * equal hashes) whatever order their keys were written in. Values follow JSON.stringify's
 * rules (`toJSON`, dropped `undefined` and functions, non-finite numbers as null; a bigint
 * becomes its decimal string), so what is hashed is exactly what is stored. A value with no
 * JSON form (undefined) is `null`. A cycle throws.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

/**
 * Canonical JSON text already written, which {@link canonicalJson} writes as it is: a value
 * canonicalised once (and stored) is not canonicalised again inside what is hashed.
 */
export class CanonicalText {
  constructor(readonly text: string) {}
}

/** The canonical text of `value` and the plain JSON value it stands for (what is stored). */
export function canonicalForm(value: unknown): { text: string; value: JsonValue } {
  const text = canonicalJson(value);
  return { text, value: JSON.parse(text) as JsonValue };
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      return value === null ? 'null' : objectJson(value);
    default:
      return undefined;
  }
}

// A key without a quote, a backslash, a control character or a lone surrogate (all that JSON
// escapes, and a little more) is written as it is, sparing a JSON.stringify per key.
const PLAIN_KEY = /^[^"\\\p{Cc}\p{Cs}]*$/u;
const keyJson = (key: string) => (PLAIN_KEY.test(key) ? `"${key}"` : JSON.stringify(key));

function objectJson(value: object): string | undefined {
  if (value instanceof CanonicalText) return value.text;
  if ('toJSON' in value && typeof value.toJSON === 'function') {
    return write((value as { toJSON(): unknown }).toJSON());
  }
  if (value instanceof String || value instanceof Number || value instanceof Boolean) {
    return write(value.valueOf());
  }
  if (Array.isArray(value)) {
    let items = '';
    for (let i = 0; i < value.length; i += 1) {
      items += `${i === 0 ? '' : ','}${write(value[i]) ?? 'null'}`;
    }
    return `[${items}]`;
  }
  const record = value as Record<string, unknown>;
  let members = '';
  for (const key of Object.keys(record).sort()) {
    const text = write(record[key]);
    if (text !== undefined) members += `${members === '' ? '' : ','}${keyJson(key)}:${text}`;
  }
  return `{${members}}`;
}

/** The stored form of a value: canonical, and plain JSON. */
export function toJsonValue(value: unknown): JsonValue {
  return canonicalForm(value).value;
}

/** Hex SHA-256 of a string. */
export function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/** SHA-256 of a validated input as stored: what an approval approves. */
export function inputHash(input: unknown): string {
  return sha256(canonicalJson(input));
}
