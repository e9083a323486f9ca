import type { Snapshot } from 'xstate';
import { APPROVAL_LANE_MACHINE_ID, APPROVAL_LANE_MACHINE_VERSION } from './approvalLane.machine.js';

/** A persisted lane snapshot with the machine it belongs to. */
export interface StoredLaneSnapshot {
  machineId: string;
  machineVersion: number;
  snapshot: unknown;
}

/** Upgrades a snapshot of version `n` (the map key) to version `n + 1`. */
export type LaneSnapshotMigration = (snapshot: Record<string, unknown>) => Record<string, unknown>;

/** Registered upgrades; empty while version 1 is the only version there has been. */
export const laneSnapshotMigrations: ReadonlyMap<number, LaneSnapshotMigration> = new Map();

/** A snapshot ready for `createActor(approvalLaneMachine, { snapshot })`, or why not. */
export type LaneSnapshotRestore =
  | { ok: true; snapshot: Snapshot<unknown>; upgradedFrom: number | null }
  | { ok: false; error: 'foreign_machine' | 'unsupported_version' | 'malformed'; detail: string };

/**
 * Checks a stored snapshot's machine id and version and runs the registered upgrades up to
 * the current version. Never guesses: an unknown id, a newer version, or a gap in the
 * migrations is refused.
 */
export function restoreLaneSnapshot(
  stored: StoredLaneSnapshot,
  migrations: ReadonlyMap<number, LaneSnapshotMigration> = laneSnapshotMigrations,
  currentVersion: number = APPROVAL_LANE_MACHINE_VERSION,
): LaneSnapshotRestore {
  if (stored.machineId !== APPROVAL_LANE_MACHINE_ID) {
    return {
      ok: false,
      error: 'foreign_machine',
      detail: `snapshot belongs to machine "${stored.machineId}", not "${APPROVAL_LANE_MACHINE_ID}"`,
    };
  }
  const candidate = stored.snapshot as Record<string, unknown> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    Array.isArray(candidate) ||
    typeof candidate.status !== 'string' ||
    candidate.value === undefined ||
    candidate.context === null ||
    typeof candidate.context !== 'object'
  ) {
    return {
      ok: false,
      error: 'malformed',
      detail: 'snapshot lacks a status, a state value or a context',
    };
  }
  let snapshot = stored.snapshot as Record<string, unknown>;
  for (let v = stored.machineVersion; v !== currentVersion; v += 1) {
    const upgrade = v < currentVersion ? migrations.get(v) : undefined;
    if (!Number.isInteger(v) || !upgrade) {
      return {
        ok: false,
        error: 'unsupported_version',
        detail: `no migration from version ${v} of "${stored.machineId}" (current: ${currentVersion})`,
      };
    }
    snapshot = upgrade(snapshot);
  }
  return {
    ok: true,
    snapshot: snapshot as unknown as Snapshot<unknown>,
    upgradedFrom: stored.machineVersion === currentVersion ? null : stored.machineVersion,
  };
}
