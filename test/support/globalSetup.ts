import { MikroORM } from '@mikro-orm/postgresql';
import { serverUrl } from './testDatabase.js';
import { serverOnlySuites } from './serverOnly.js';

/**
 * Checks the test server. With DATABASE_URL set, an unreachable server fails the run at once.
 * Without it, and no server at the default address, the suites run on the embedded database
 * and the few that need a server are skipped, named in one line.
 */
export default async function setup(): Promise<void> {
  try {
    const orm = await MikroORM.init({
      clientUrl: serverUrl,
      entities: [],
      discovery: { warnWhenNoEntities: false },
      pool: { min: 0, max: 1 },
    });
    await orm.em.getConnection().execute('select 1');
    await orm.close(true);
  } catch (error) {
    if (process.env.DATABASE_URL) {
      throw new Error(
        `The integration tests need PostgreSQL at ${serverUrl} (DATABASE_URL): ${String(error)}`,
      );
    }
    // Inherited by the test processes, which start after this.
    process.env.COUNTERSIGN_TEST_DATABASE = 'embedded';
    console.log(
      `No PostgreSQL at ${serverUrl}: the suites run on the embedded database; skipped, as they ` +
        `need a server (several processes, LISTEN/NOTIFY): ${serverOnlySuites.join(', ')}. ` +
        'To run them, start PostgreSQL there or set DATABASE_URL.',
    );
  }
}
