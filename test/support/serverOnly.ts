import { describe } from 'vitest';
import { embeddedOnly } from './testDatabase.js';

/**
 * The suites that need a PostgreSQL server: several processes on one database, LISTEN/NOTIFY,
 * or server behaviour the embedded database does not have. Listed here so the one line that
 * names them when they are skipped cannot go stale.
 */
export const serverOnlySuites: readonly string[] = [
  'three worker processes on one database',
  'case budgets under concurrent executions, two worker processes',
  'migrations by several processes at once',
  'scheduler contract on PostgreSQL',
  'awaitOutcome across processes',
  'a database URL that names no database',
  'decideMany with workers running',
];

/** `describe`, skipped (with the suites above) when the run has no server. */
export function describeWithServer(name: string, fn: () => void): void {
  if (!serverOnlySuites.includes(name)) throw new Error(`add "${name}" to serverOnlySuites`);
  describe.skipIf(embeddedOnly)(name, fn);
}
