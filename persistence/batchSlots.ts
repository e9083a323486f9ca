import type { EntityManager } from '@mikro-orm/postgresql';
import { runStatement } from './statement.js';

/** Batches of up to this many rows use prepared statements, in a few padded sizes. */
export const PREPARED_BATCH = 32;

/** The next power of two at or above `n` (1 for 0). */
export const pow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));

/**
 * Slots for `n` rows: the next power of two up to {@link PREPARED_BATCH}, so batches of any
 * size share a handful of prepared statement texts; larger ones run unprepared at their
 * exact size. Unused slots are filled with rows that match nothing (or, for ids, with a repeat).
 */
export function slotsFor(n: number): { slots: number; prepare: boolean } {
  return n > PREPARED_BATCH ? { slots: n, prepare: false } : { slots: pow2(n), prepare: true };
}

/** `rows` followed by copies of `filler` up to `slots` rows. */
export const padded = <T>(rows: readonly T[], slots: number, filler: T): T[] =>
  rows.concat(Array.from({ length: slots - rows.length }, () => filler));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `id` can be a row id; anything else cannot exist, so no query is needed. */
export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

/** A table's key: which ids it can hold, and their SQL type. */
export interface RowKey {
  accepts: (id: unknown) => id is string;
  type: 'uuid' | 'text';
}

const uuidKey: RowKey = { accepts: isUuid, type: 'uuid' };

/**
 * Rows by id in one round trip, prepared in a padded size: `select` is the statement up to
 * its `where`, `idColumn` the column matched against the ids (UUIDs unless `key` says
 * otherwise). Ids that cannot exist are never sent. Returns the rows keyed by `idColumn`.
 */
export async function findByIds(
  em: EntityManager,
  select: string,
  idColumn: string,
  ids: readonly string[],
  key: RowKey = uuidKey,
): Promise<Map<string, Record<string, unknown>>> {
  const wanted = [...new Set(ids.filter(key.accepts))];
  if (wanted.length === 0) return new Map();
  const { slots, prepare } = slotsFor(wanted.length);
  const placeholders = Array.from({ length: slots }, () => `?::${key.type}`).join(', ');
  const rows = await runStatement(
    em,
    `${select} where ${idColumn} in (${placeholders})`,
    // Padded with a wanted id again, not null: `in` matches a row once however often its id
    // appears, and a list PostgreSQL sees as full keeps its generic plan, planned once per
    // connection. With nulls in view a custom plan looks cheaper, and is made on every call.
    padded(wanted, slots, wanted[0]!),
    prepare,
  );
  return new Map(rows.map((row) => [row.id as string, row]));
}
