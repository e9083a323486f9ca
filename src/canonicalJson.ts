import { createHash } from 'node:crypto';

/** JSON value after canonicalisation: what is stored and what is hashed. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * JSON with object keys sorted at every depth, so equal values always give equal text (and
 * equal hashes) whatever order their keys were written in. Values follow JSON.stringify's
 * rules (`toJSON`, dropped `undefined`), so what is hashed is exactly what is stored.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** The stored form of a value: canonical, and plain JSON. */
export function toJsonValue(value: unknown): JsonValue {
  const text = canonicalJson(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

/** Hex SHA-256 of a string. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
