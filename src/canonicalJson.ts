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

function objectJson(value: object): string | undefined {
  if ('toJSON' in value && typeof value.toJSON === 'function') {
    return write((value as { toJSON(): unknown }).toJSON());
  }
  if (value instanceof String || value instanceof Number || value instanceof Boolean) {
    return write(value.valueOf());
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => write(item) ?? 'null').join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const text = write(record[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** The stored form of a value: canonical, and plain JSON. */
export function toJsonValue(value: unknown): JsonValue {
  return JSON.parse(canonicalJson(value)) as JsonValue;
}

/** Hex SHA-256 of a string. */
export function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/** SHA-256 of a validated input as stored: what an approval approves. */
export function inputHash(input: unknown): string {
  return sha256(canonicalJson(input));
}
