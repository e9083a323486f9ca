import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { serveEmbedded } from './embeddedServer.js';
import { countersignEntities } from './entities.js';
import { migrationsList } from './migrations/index.js';
import { DatabaseOpenError, isDatabaseOpenError } from './openError.js';
import { disablePreparedStatements } from './statement.js';

export { serveEmbedded } from './embeddedServer.js';
export type { EmbeddedServer } from './embeddedServer.js';

/** Where countersign keeps its tables. */
export interface DatabaseOptions {
  /** A host's own MikroORM (PostgreSQL) instance; it must include `countersignEntities`. */
  orm?: MikroORM | undefined;
  /**
   * `postgres://…` (a socket directory as a percent-encoded host works too); when absent
   * (and no `orm`), an embedded PGlite database is started.
   */
  databaseUrl?: string | undefined;
  /** Embedded data directory, or `memory://` to keep nothing. @default '.countersign/pgdata' */
  embeddedDataDir?: string | undefined;
  /** Connections in countersign's own pool (server only; embedded uses 4). @default 10 */
  poolSize?: number | undefined;
  /**
   * What opening may create when it is missing: `'embedded'` the embedded data directory only,
   * `'all'` also the server database the URL names (`countersign migrate --create`), `'none'`
   * nothing (the CLI's reads). A refused open throws a `database_missing` error.
   * @default 'embedded'
   */
  createMissing?: 'none' | 'embedded' | 'all' | undefined;
  /**
   * When another live process holds the embedded data directory: `'refuse'` (a
   * `database_in_use` error naming its pid), or `'join'`: use that process's database through
   * the private socket it serves it on (the CLI's commands beside `countersign serve`).
   * @default 'refuse'
   */
  embeddedInUse?: 'refuse' | 'join' | undefined;
}

/** An open database: the ORM, its URL (for Agenda's backend) and how to close what we opened. */
export interface Database {
  orm: MikroORM;
  url: string;
  embedded: boolean;
  /**
   * Runs `fn` with an ORM configured with countersign's migrations: this database's own, or,
   * for a host's ORM (whose migrator runs the host's migrations), a short-lived one.
   */
  withMigrator<T>(fn: (orm: MikroORM) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * MikroORM's connection options for a URL. MikroORM drops a Unix socket directory given as
 * the URL's host (`postgres://user@%2Fvar%2Frun/db`), so that one goes as host, user and name.
 */
export function connectionOf(url: string) {
  const u = new URL(url);
  if (!u.hostname.startsWith('%2F')) return { clientUrl: url };
  return {
    host: decodeURIComponent(u.hostname),
    user: decodeURIComponent(u.username) || 'postgres',
    dbName: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
  };
}

/** The table where the migrator records the migrations applied. */
export const MIGRATIONS_TABLE = 'countersign_migrations';

/** MikroORM options for countersign's entities and migrations at the server `url`. */
export function ormOptions(url: string, poolSize: number) {
  return {
    ...connectionOf(url),
    entities: countersignEntities,
    extensions: [Migrator],
    migrations: {
      tableName: MIGRATIONS_TABLE,
      path: 'persistence/migrations',
      migrationsList,
      // The committed schema snapshot is for generating migrations; at run time the migrator
      // would rewrite it from whatever the database holds.
      snapshot: false,
      transactional: true,
      silent: true,
      allOrNothing: true,
      emit: 'ts' as const,
      snapshotName: '.snapshot-countersign',
    },
    pool: { min: 0, max: poolSize },
    allowGlobalContext: false,
    ensureDatabase: false,
  };
}

/** Names of countersign's entities that `orm` does not map. */
export function missingEntities(orm: MikroORM): string[] {
  return countersignEntities
    .map((e) => e.meta.className)
    .filter((name) => !orm.getMetadata().has(name));
}

/**
 * Opens countersign's database: the host's ORM, a PostgreSQL server by URL, or an embedded
 * PGlite served on a Unix socket so the same driver and SQL serve both.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.orm) {
    const orm = options.orm;
    const url = urlOf(orm);
    const embedded = await isPGlite(orm).catch(() => false);
    if (embedded) disablePreparedStatements(orm);
    return {
      orm,
      url,
      embedded,
      async withMigrator(fn) {
        // Two connections: the migrator checks the database outside the locking transaction.
        const own = await MikroORM.init(ormOptions(url, 2));
        try {
          return await fn(own);
        } finally {
          await own.close(true);
        }
      },
      // The host owns its ORM; closing governance leaves it open.
      close: async () => {},
    };
  }
  const create = options.createMissing ?? 'embedded';
  if (options.databaseUrl) {
    return openServer(options.databaseUrl, options.poolSize ?? 10, create === 'all');
  }
  const dataDir = options.embeddedDataDir ?? '.countersign/pgdata';
  if (options.embeddedInUse !== 'join') return openEmbedded(dataDir, create !== 'none');
  // The holder publishes its socket URL once it serves; until then it is starting.
  for (const deadline = Date.now() + 30_000; ;) {
    try {
      return await openEmbedded(dataDir, create !== 'none');
    } catch (error) {
      const holder = isDatabaseOpenError(error, 'database_in_use') ? error.holder : null;
      if (!holder || (!holder.url && Date.now() > deadline)) throw error;
      if (holder.url) return joinEmbedded(holder.url, error as DatabaseOpenError);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The running process's embedded database, through its socket; refused as in use if that fails. */
async function joinEmbedded(url: string, inUse: DatabaseOpenError): Promise<Database> {
  try {
    return await openServer(url, 4, false);
  } catch (cause) {
    throw new DatabaseOpenError('database_in_use', inUse.message, {
      cause,
      ...(inUse.holder ? { holder: inUse.holder } : {}),
    });
  }
}

/** `url` without its password, for messages. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'at the URL given';
  }
}

/**
 * Checks that the server answers and holds the database (creating it when `create`): connecting
 * is where a mistyped URL shows, and nothing may be created by a read.
 */
async function checkServer(orm: MikroORM, url: string, create: boolean): Promise<void> {
  const missing = (c: { ok: boolean; error?: Error }) =>
    !c.ok && (c.error as { code?: unknown } | undefined)?.code === '3D000';
  let check = await orm.checkConnection();
  if (missing(check) && create) {
    // MikroORM connects to the server's management database to create it, then comes back.
    await orm.schema.ensureDatabase().catch((cause: Error) => {
      const why = `cannot create the database ${shownUrl(url)}: ${cause.message}`;
      throw new DatabaseOpenError('database_missing', why, { cause });
    });
    check = await orm.checkConnection();
  }
  if (check.ok) return;
  const cause = check.error;
  if (missing(check)) {
    const why = `the database ${shownUrl(url)} does not exist; create it with countersign migrate --create`;
    throw new DatabaseOpenError('database_missing', why, { cause });
  }
  const why = `cannot reach the database ${shownUrl(url)}: ${check.reason ?? 'no answer'}`;
  throw new DatabaseOpenError('database_unreachable', why, { cause });
}

/** A PostgreSQL server (or another process's embedded database, through its socket) by URL. */
async function openServer(url: string, poolSize: number, create: boolean): Promise<Database> {
  const orm = await MikroORM.init(ormOptions(url, poolSize));
  try {
    await checkServer(orm, url, create);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  // Another process's embedded database, reached through its socket, is used as embedded.
  const embedded = await isPGlite(orm).catch(() => false);
  if (embedded) disablePreparedStatements(orm);
  return { orm, url, embedded, withMigrator: (fn) => fn(orm), close: () => orm.close(true) };
}

/** A URL for the ORM's database, a socket directory (MikroORM's `host`) included. */
function urlOf(orm: MikroORM): string {
  const host = orm.config.get('host');
  if (!host?.startsWith('/')) return orm.config.getClientUrl();
  const part = (v: string | undefined) => encodeURIComponent(v ?? 'postgres');
  return `postgres://${part(orm.config.get('user'))}@${part(host)}/${part(orm.config.get('dbName'))}`;
}

/** PGlite multiplexes every client into one session, where named statements collide. */
async function isPGlite(orm: MikroORM): Promise<boolean> {
  const [row] = await orm.em.getConnection().execute<{ version: string }[]>('select version()');
  return /PGlite/.test(row?.version ?? '');
}

async function openEmbedded(dataDir: string, create: boolean): Promise<Database> {
  const served = await serveEmbedded(dataDir, { create });
  try {
    const orm = await MikroORM.init(ormOptions(served.url, 4));
    disablePreparedStatements(orm);
    return {
      orm,
      url: served.url,
      embedded: true,
      withMigrator: (fn) => fn(orm),
      close: async () => {
        await orm.close(true);
        await served.close();
      },
    };
  } catch (error) {
    await served.close();
    throw error;
  }
}
