import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';

/** The server the integration suites use: DATABASE_URL, else the local PostgreSQL. */
export const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, empty database on the test server, so suites can run in any order. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cs_test_${randomBytes(6).toString('hex')}`;
  const admin = await MikroORM.init({
    clientUrl: serverUrl,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: 1 },
  });
  await admin.em.getConnection().execute(`create database "${name}"`);
  return {
    url: withDatabase(serverUrl, name),
    async drop() {
      await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      await admin.close(true);
    },
  };
}

/** Raw SQL on a database, for tests that inspect or tamper with rows behind the facade. */
export async function openSql(url: string) {
  const orm = await MikroORM.init({
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: 2 },
  });
  return {
    query: <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
      orm.em.getConnection().execute<T[]>(sql, params),
    close: () => orm.close(true),
  };
}
