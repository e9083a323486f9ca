import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { countersignEntities } from './entities.js';
import { migrationsList } from './migrations/index.js';
import { disablePreparedStatements } from './statement.js';

/** Where countersign keeps its tables. */
export interface DatabaseOptions {
  /** A host's own MikroORM (PostgreSQL) instance; it must include `countersignEntities`. */
  orm?: MikroORM;
  /**
   * `postgres://…` (a socket directory as a percent-encoded host works too); when absent
   * (and no `orm`), an embedded PGlite database is started.
   */
  databaseUrl?: string;
  /** Embedded data directory, or `memory://` to keep nothing. @default '.countersign/pgdata' */
  embeddedDataDir?: string;
  /** Connections in countersign's own pool (server only; embedded uses 4). @default 10 */
  poolSize?: number;
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

/** MikroORM options for countersign's entities and migrations at the server `url`. */
export function ormOptions(url: string, poolSize: number) {
  return {
    ...connectionOf(url),
    entities: countersignEntities,
    extensions: [Migrator],
    migrations: {
      tableName: 'countersign_migrations',
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
  if (options.databaseUrl) {
    const orm = await MikroORM.init(ormOptions(options.databaseUrl, options.poolSize ?? 10));
    // Another process's embedded database, reached through its socket, is used as embedded.
    const embedded = await isPGlite(orm).catch(() => false);
    if (embedded) disablePreparedStatements(orm);
    return {
      orm,
      url: options.databaseUrl,
      embedded,
      withMigrator: (fn) => fn(orm),
      close: () => orm.close(true),
    };
  }
  return openEmbedded(options.embeddedDataDir ?? '.countersign/pgdata');
}

/** An embedded PGlite served on a Unix socket only its owner can reach. */
export interface EmbeddedServer {
  /** `postgres://postgres@%2F…/postgres`: node-postgres reads the host as a socket directory. */
  url: string;
  close(): Promise<void>;
}

/** Starts PGlite in `dataDir` (`memory://` keeps nothing) and serves it on a private socket. */
export async function serveEmbedded(dataDir: string): Promise<EmbeddedServer> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  // PGlite has no authentication, so only its owner may reach it: the socket lives in a fresh
  // directory that mkdtemp creates with mode 0700 (a loopback port would let any local process
  // rewrite lanes). The temporary directory keeps the path under the socket length limit.
  const socketDir = mkdtempSync(join(tmpdir(), 'countersign-'));
  // PGlite runs one session; its socket server queues the clients' statements and holds the
  // others back while one client is inside a transaction.
  const server = new PGLiteSocketServer({
    db,
    path: join(socketDir, '.s.PGSQL.5432'),
    maxConnections: 16,
  });
  const close = async () => {
    await server.stop();
    await db.close();
    rmSync(socketDir, { recursive: true, force: true });
  };
  try {
    await server.start();
  } catch (error) {
    await close();
    throw error;
  }
  return { url: `postgres://postgres@${encodeURIComponent(socketDir)}/postgres`, close };
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

async function openEmbedded(dataDir: string): Promise<Database> {
  const served = await serveEmbedded(dataDir);
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
