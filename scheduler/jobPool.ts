import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PoolConfig } from 'pg';

/**
 * A pool for Agenda's job table on a PostgreSQL server whose parameterised statements run
 * as named prepared statements. Agenda's backend sends a handful of fixed texts (insert,
 * lock the next job, save its state, delete it) unnamed, so PostgreSQL would parse and plan
 * each on every call; named, each is planned once per connection. Text without values
 * (LISTEN, schema set-up) runs as it came.
 */
export function createPreparedStatementPool(config: PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  // An idle connection the server closes (a restart, a dropped database) would otherwise
  // be an unhandled 'error' event; the pool replaces it on the next checkout.
  pool.on('error', () => {});
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name) {
      name = `agenda_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return name;
  };
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((text: unknown, values?: unknown, callback?: unknown) =>
    typeof text === 'string' && Array.isArray(values)
      ? query({ name: nameOf(text), text, values }, callback)
      : query(text, values, callback)) as typeof pool.query;
  return pool;
}
