import { restoreSnapshot } from './persistedActor.js';
import type {
  PersistedMachine,
  SnapshotMigration,
  SnapshotRestore,
  StoredSnapshot,
} from './persistedActor.js';
import { CASE_MACHINE_ID, CASE_MACHINE_VERSION, caseMachine } from './case.machine.js';

/** Registered upgrades of case snapshots, by the version they upgrade from (none yet). */
export const caseSnapshotMigrations: ReadonlyMap<number, SnapshotMigration> = new Map();

/** The case machine with the id, version and upgrades its stored snapshots are checked against. */
export const casePersistence: PersistedMachine<typeof caseMachine> = {
  machine: caseMachine,
  id: CASE_MACHINE_ID,
  version: CASE_MACHINE_VERSION,
  migrations: caseSnapshotMigrations,
};

/**
 * Checks a stored case snapshot's machine id and version and runs the registered upgrades
 * up to the current version. Never guesses: an unknown id, a newer version, or a gap in the
 * migrations is refused.
 *
 * @example
 * const restored = restoreCaseSnapshot({ machineId, machineVersion, snapshot });
 * if (restored.ok) runPersistedCycle(caseMachine, { snapshot: restored.snapshot }, [event]);
 */
export function restoreCaseSnapshot(stored: StoredSnapshot): SnapshotRestore {
  return restoreSnapshot(casePersistence, stored);
}
