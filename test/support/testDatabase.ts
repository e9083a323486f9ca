import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { connectionOf, serveEmbedded } from '../../persistence/database.js';

/**
 * The server the integration suites use: DATABASE_URL, else the local PostgreSQL (whose
 * address COUNTERSIGN_TEST_SERVER replaces, to try a machine without one).
 */
export const serverUrl =
  process.env.DATABASE_URL ??
  process.env.COUNTERSIGN_TEST_SERVER ??
  'postgres://postgres@127.0.0.1:5432/test';

/**
 * True when no server answered and the suites run on the embedded database (set by
 * globalSetup); suites that need a server are skipped then (`describeWithServer`).
 */
export const embeddedOnly = process.env.COUNTERSIGN_TEST_DATABASE === 'embedded';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, empty database (on the test server, else embedded), so suites run in any order. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (embeddedOnly) {
    const served = await serveEmbedded('memory://');
    return { url: served.url, drop: () => served.close() };
  }
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
    ...connectionOf(url),
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
