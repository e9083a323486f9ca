import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

/** The slice of node-postgres' client a statement needs. */
interface PgClient {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{
    rows: Record<string, unknown>[];
  }>;
}

interface PooledClient {
  acquireConnection(): Promise<PgClient>;
  releaseConnection(connection: PgClient): Promise<void>;
}

// Statement text → its name and $n form; bounded by the few statement shapes countersign has.
const prepared = new Map<string, { name: string; text: string }>();

// ORMs whose server cannot keep named statements apart per connection (PGlite's socket
// multiplexes every client into one session, where the second `prepare` of a name fails).
const unnamedOnly = new WeakSet<object>();

/** Makes every statement on `orm` unnamed. */
export function disablePreparedStatements(orm: MikroORM): void {
  unnamedOnly.add(orm.config);
}

const dollars = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/**
 * Runs one statement on a connection of MikroORM's own pool. With `prepare`, as a named
 * prepared statement: PostgreSQL then parses and plans the text once per connection instead
 * of on every call, which is most of the cost of the large statements on the hot paths.
 * `sql` uses `?` placeholders, like `em.execute`.
 */
export async function runStatement(
  em: EntityManager,
  sql: string,
  values: unknown[],
  prepare = true,
): Promise<Record<string, unknown>[]> {
  const named = prepare && !unnamedOnly.has(em.config);
  let statement = named ? prepared.get(sql) : undefined;
  if (!statement) {
    statement = { name: named ? `countersign_${prepared.size + 1}` : '', text: dollars(sql) };
    if (named) prepared.set(sql, statement);
  }
  const pool = em.getConnection().getKnex().client as unknown as PooledClient;
  const client = await pool.acquireConnection();
  try {
    const { name, text } = statement;
    return (await client.query(name ? { name, text, values } : { text, values })).rows;
  } finally {
    await pool.releaseConnection(client);
  }
}

/**
 * A constant list of SQL string literals, such as a named status set: `'a', 'b'`. Only for
 * countersign's own constants, never for values that come from a caller.
 */
export function literalList(values: readonly string[]): string {
  return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
}
