import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PoolConfig, QueryArrayConfig, QueryConfig } from 'pg';

/**
 * A pool for Agenda's job table on a PostgreSQL server whose parameterised statements run
 * as named prepared statements. Agenda's backend sends a handful of fixed texts (insert,
 * lock the next job, save its state, delete it) unnamed, so PostgreSQL would parse and plan
 * each on every call; named, each is planned once per connection. Text without values
 * (LISTEN, schema set-up) runs as it came.
 */
export class PreparedStatementPool extends pg.Pool {
  readonly #names = new Map<string, string>();

  constructor(config: PoolConfig) {
    super(config);
    // An idle connection the server closes (a restart, a dropped database) would otherwise
    // be an unhandled 'error' event; the pool replaces it on the next checkout.
    this.on('error', () => {});
  }

  #named(text: string, values: unknown[]): QueryConfig {
    let name = this.#names.get(text);
    if (!name) {
      name = `agenda_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      this.#names.set(text, name);
    }
    return { name, text, values };
  }

  // @ts-expect-error pg's overloads cannot be restated one by one; this forwards them all.
  override query(config: string | QueryConfig | QueryArrayConfig, values?: unknown, cb?: unknown) {
    if (typeof config === 'string' && Array.isArray(values))
      return super.query(this.#named(config, values), cb as never);
    return super.query(config as never, values as never, cb as never);
  }
}
