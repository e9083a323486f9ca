import { MikroORM } from '@mikro-orm/postgresql';
import { serverUrl } from './testDatabase.js';

/** Fails the run at once, with the reason, when the test server cannot be reached. */
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
    throw new Error(
      `The integration tests need PostgreSQL at ${serverUrl} (set DATABASE_URL to change it): ${String(error)}`,
    );
  }
}
