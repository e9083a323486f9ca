import type { MikroORM } from '@mikro-orm/postgresql';
import type { Database } from './database.js';

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

/** Names of the migrations not yet applied. */
export function pendingMigrations(db: Database): Promise<string[]> {
  return db.withMigrator(async (orm: MikroORM) =>
    (await orm.getMigrator().getPendingMigrations()).map((m) => m.name),
  );
}
