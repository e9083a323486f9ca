import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedHolder, inUseMessage, lockEmbedded } from './embeddedLock.js';
import type { EmbeddedLock } from './embeddedLock.js';
import { DatabaseOpenError } from './openError.js';

/** An embedded PGlite served on a Unix socket only its owner can reach. */
export interface EmbeddedServer {
  /** `postgres://postgres@%2F…/postgres`: node-postgres reads the host as a socket directory. */
  url: string;
  close(): Promise<void>;
}

/** The directory PGlite keeps `dataDir`'s files in; null for `memory://`, which keeps none. */
export function embeddedDirectory(dataDir: string): string | null {
  if (dataDir === '' || dataDir.startsWith('memory://')) return null;
  return dataDir.startsWith('file://') ? dataDir.slice('file://'.length) : dataDir;
}

/**
 * Locks `dir` for this process; creates it first if it holds no database and `create` allows.
 * A live holder is reported before anything is created.
 */
async function claim(dataDir: string, dir: string, create: boolean): Promise<EmbeddedLock> {
  const holder = embeddedHolder(dir);
  if (holder)
    throw new DatabaseOpenError('database_in_use', inUseMessage(dataDir, holder), { holder });
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    if (!create) {
      throw new DatabaseOpenError(
        'database_missing',
        `no embedded database in ${dataDir}; create it with countersign migrate`,
      );
    }
    mkdirSync(dir, { recursive: true });
  }
  return lockEmbedded(dir);
}

/**
 * Starts PGlite in `dataDir` (`memory://` keeps nothing) and serves it on a private socket. A
 * directory is locked while it is open: a second opener, in this process or another, gets a
 * `database_in_use` error naming the holder. With `create: false` a directory that holds no
 * database is refused (`database_missing`) rather than created.
 */
export async function serveEmbedded(
  dataDir: string,
  options: { create?: boolean | undefined } = {},
): Promise<EmbeddedServer> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const dir = embeddedDirectory(dataDir);
  const lock = dir ? await claim(dataDir, dir, options.create ?? true) : null;
  let db: InstanceType<typeof PGlite>;
  try {
    db = await PGlite.create(dataDir);
  } catch (error) {
    lock?.release();
    const why = `cannot open the embedded database in ${dataDir}: ${(error as Error).message}`;
    throw new DatabaseOpenError('database_unreachable', why, { cause: error });
  }
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
    try {
      await server.stop();
      await db.close();
    } finally {
      rmSync(socketDir, { recursive: true, force: true });
      lock?.release();
    }
  };
  try {
    await server.start();
  } catch (error) {
    await close();
    throw error;
  }
  const url = `postgres://postgres@${encodeURIComponent(socketDir)}/postgres`;
  // Another countersign that finds the directory held reaches the database through this URL.
  lock?.publish(url);
  return { url, close };
}
