import type { EntityManager } from '@mikro-orm/postgresql';
import { runStatement } from './statement.js';
import { iso } from './rowColumns.js';
import type { StoredJson } from './rows.js';

/** A `governance_policies` row: one version of a named policy. */
export interface PolicyRow {
  name: string;
  version: number;
  body: Record<string, StoredJson>;
  hash: string;
  createdBy: string;
  createdAt: string;
}

const toPolicyRow = (r: Record<string, unknown>): PolicyRow => ({
  name: r.name as string,
  version: r.version as number,
  body: r.body as Record<string, StoredJson>,
  hash: r.hash as string,
  createdBy: r.created_by as string,
  createdAt: iso(r.created_at)!,
});

/** The policy's newest version, or null. */
export async function findLatestPolicy(em: EntityManager, name: string): Promise<PolicyRow | null> {
  const [row] = await runStatement(
    em,
    `select * from governance_policies where name = ? order by version desc limit 1`,
    [name],
  );
  return row ? toPolicyRow(row) : null;
}

/** One version of a policy, or null. */
export async function findPolicy(
  em: EntityManager,
  name: string,
  version: number,
): Promise<PolicyRow | null> {
  const [row] = await runStatement(
    em,
    `select * from governance_policies where name = ? and version = ?::int`,
    [name, version],
  );
  return row ? toPolicyRow(row) : null;
}

/** Stores a version; false when that version of the name exists already (a racing writer). */
export async function insertPolicy(em: EntityManager, row: PolicyRow): Promise<boolean> {
  const written = await runStatement(
    em,
    `insert into governance_policies (name, version, body, hash, created_by, created_at)
      values (?, ?::int, ?::jsonb, ?, ?, ?::timestamptz) on conflict do nothing returning name`,
    [row.name, row.version, JSON.stringify(row.body), row.hash, row.createdBy, row.createdAt],
  );
  return written.length === 1;
}
