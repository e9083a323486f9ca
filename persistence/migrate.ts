import type { MikroORM } from '@mikro-orm/postgresql';
import type { Database } from './database.js';
import { MIGRATIONS_TABLE } from './database.js';
import { migrationsList } from './migrations/index.js';

// Any fixed number: it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK = 0x636f756e;

/**
 * Applies pending migrations under a transaction-scoped advisory lock, so several processes
 * starting at once apply each migration once. Returns the names applied. An embedded
 * database belongs to one process and needs no lock (PGlite would hold every other
 * connection's statements until the locking transaction ends, the migrator's own included).
 */
export function migrate(db: Database): Promise<string[]> {
  return db.withMigrator(async (orm: MikroORM) => {
    if (db.embedded) return (await orm.getMigrator().up()).map((m) => m.name);
    return orm.em.fork().transactional(async (em) => {
      await em.execute('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
      const applied = await orm.getMigrator().up({ transaction: em.getTransactionContext() });
      return applied.map((m) => m.name);
    });
  });
}

/**
 * Names of the migrations not yet applied. Read-only: asked the same, the migrator would first
 * create its table (and a missing database), and a read creates nothing.
 */
export function pendingMigrations(db: Database): Promise<string[]> {
  return db.withMigrator(async (orm: MikroORM) => {
    const sql = orm.em.getConnection();
    const [table] = await sql.execute<{ name: string | null }[]>(
      `select to_regclass('${MIGRATIONS_TABLE}')::text as name`,
    );
    const applied = table?.name
      ? await sql.execute<{ name: string }[]>(`select name from ${MIGRATIONS_TABLE}`)
      : [];
    const done = new Set(applied.map((row) => row.name));
    return migrationsList.map((m) => m.name).filter((name) => !done.has(name));
  });
}
