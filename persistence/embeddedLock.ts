import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseOpenError } from './openError.js';
import type { EmbeddedHolder } from './openError.js';

/**
 * One process at a time may open an embedded data directory: a second PGlite on the same files
 * reads stale pages and then corrupts the catalog. The opener holds `countersign.lock` in the
 * directory, naming its pid and, once it serves, its socket URL, so another countersign can
 * reach the database through it instead.
 */
export const LOCK_FILE = 'countersign.lock';

/** A held lock: `publish` records the socket URL, `release` removes the file. */
export interface EmbeddedLock {
  publish(url: string): void;
  release(): void;
}

// Lock files this process holds (path → content), removed at exit if still ours.
const held = new Map<string, string>();
let exitHook = false;

/** Whether a process with this pid runs (EPERM: it does, as another user). */
function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The holder a lock file's text names, or null when the text is not a lock. */
function parseHolder(text: string | null): EmbeddedHolder | null {
  try {
    const value = JSON.parse(text ?? '') as { pid?: unknown; url?: unknown };
    if (typeof value.pid !== 'number') return null;
    return { pid: value.pid, url: typeof value.url === 'string' ? value.url : null };
  } catch {
    return null;
  }
}

/**
 * Whether the lock at `path` is held. A lock naming this process's pid that this process did not
 * take was left by an earlier process with the same pid (a container restarted: pid 1 again).
 */
function isHeld(path: string, holder: EmbeddedHolder | null): holder is EmbeddedHolder {
  if (!holder) return false;
  return holder.pid === process.pid ? held.has(path) : isAlive(holder.pid);
}

/** Reads who holds `dataDir`; null when nobody alive does. */
export function embeddedHolder(dataDir: string): EmbeddedHolder | null {
  const path = join(dataDir, LOCK_FILE);
  const holder = parseHolder(readText(path));
  return isHeld(path, holder) ? holder : null;
}

/** Creates `path` holding `text`, only if it does not exist: written aside, then linked. */
function createExclusive(path: string, text: string): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, text, { mode: 0o600 });
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Removes the lock of a process that died, unless another process is doing so: the takeover
 * file admits one remover at a time, who removes the file only if it still reads `stale`.
 */
function removeStale(path: string, stale: string | null): void {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, String(process.pid))) {
    // Removal is synchronous, so a guard naming this process was left by an earlier one.
    const pid = Number(readText(guard));
    if (pid === process.pid || !isAlive(pid)) rmSync(guard, { force: true });
    return;
  }
  try {
    if (readText(path) === stale) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

/** The one line a refused opener reports. */
export function inUseMessage(dataDir: string, holder: EmbeddedHolder): string {
  return `the embedded database ${dataDir} is in use by pid ${holder.pid}; stop it or use --database-url`;
}

function releaseAll(): void {
  for (const [path, text] of held) if (readText(path) === text) rmSync(path, { force: true });
  held.clear();
}

/**
 * Takes the lock of `dataDir` (which must exist), taking over one whose process died. Throws a
 * `database_in_use` {@link DatabaseOpenError} when a live process holds it, this one included.
 */
export async function lockEmbedded(dataDir: string): Promise<EmbeddedLock> {
  const path = join(dataDir, LOCK_FILE);
  const since = new Date().toISOString();
  let text = JSON.stringify({ pid: process.pid, url: null, since });
  for (let attempt = 0; !createExclusive(path, text); attempt++) {
    const current = readText(path);
    const holder = parseHolder(current);
    if (isHeld(path, holder)) {
      throw new DatabaseOpenError('database_in_use', inUseMessage(dataDir, holder), { holder });
    }
    if (attempt >= 20) {
      const why = `cannot take over ${path}, left by a stopped process; remove it`;
      throw new DatabaseOpenError('database_in_use', why);
    }
    removeStale(path, current);
    await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
  }
  held.set(path, text);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', releaseAll);
  }
  return {
    publish(url) {
      const next = JSON.stringify({ pid: process.pid, url, since });
      const aside = `${path}.${process.pid}.publish`;
      writeFileSync(aside, next, { mode: 0o600 });
      renameSync(aside, path);
      text = next;
      held.set(path, text);
    },
    release() {
      if (readText(path) === text) rmSync(path, { force: true });
      held.delete(path);
    },
  };
}
