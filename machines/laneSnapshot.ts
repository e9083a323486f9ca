import { restoreSnapshot } from './persistedActor.js';
import type {
  PersistedMachine,
  SnapshotMigration,
  SnapshotRestore,
  StoredSnapshot,
} from './persistedActor.js';
import {
  APPROVAL_LANE_MACHINE_ID,
  APPROVAL_LANE_MACHINE_VERSION,
  approvalLaneMachine,
} from './approvalLane.machine.js';

/** A persisted lane snapshot with the machine it belongs to. */
export type StoredLaneSnapshot = StoredSnapshot;

/** Upgrades a lane snapshot of version `n` (the map key) to version `n + 1`. */
export type LaneSnapshotMigration = SnapshotMigration;

type Json = Record<string, unknown>;

/** Registered upgrades, by the version they upgrade from. */
export const laneSnapshotMigrations: ReadonlyMap<number, LaneSnapshotMigration> = new Map<
  number,
  LaneSnapshotMigration
>([
  // Version 2 binds lanes to the call digest; a lane opened before has none, and its
  // decision approved an input hash only (the worker checks that hash for it). It also
  // names the role a host needs to expire a lane; older lanes fall back to the approver's.
  [
    1,
    (snapshot: Json) => {
      const context = snapshot.context as Json;
      const decision = context.decision as Json | null;
      return {
        ...snapshot,
        context: {
          ...context,
          callDigest: null,
          expireRole: null,
          decision: decision === null ? null : { ...decision, callDigest: null },
        },
      };
    },
  ],
  // Version 3 lets a case's policy escalate a lane nobody answered; a lane opened before
  // was never escalated.
  [
    2,
    (snapshot: Json) => ({
      ...snapshot,
      context: { ...(snapshot.context as Json), escalationDepth: 0 },
    }),
  ],
  // Version 4 lets approvers edit the input and a lane collect a quorum; a lane opened
  // before needs one approval and holds no edit (its decision, if any, approved the input).
  [
    3,
    (snapshot: Json) => ({
      ...snapshot,
      context: {
        ...(snapshot.context as Json),
        edit: null,
        quorum: null,
        approvals: [],
        rejections: [],
      },
    }),
  ],
]);

/** A snapshot ready for `createActor(approvalLaneMachine, { snapshot })`, or why not. */
export type LaneSnapshotRestore = SnapshotRestore;

/** The lane machine with the id, version and upgrades its stored snapshots are checked against. */
export const approvalLanePersistence: PersistedMachine<typeof approvalLaneMachine> = {
  machine: approvalLaneMachine,
  id: APPROVAL_LANE_MACHINE_ID,
  version: APPROVAL_LANE_MACHINE_VERSION,
  migrations: laneSnapshotMigrations,
};

/**
 * Checks a stored lane snapshot's machine id and version and runs the registered upgrades
 * up to the current version. Never guesses: an unknown id, a newer version, or a gap in the
 * migrations is refused.
 *
 * @example
 * const restored = restoreLaneSnapshot({ machineId, machineVersion, snapshot });
 * if (restored.ok) createActor(approvalLaneMachine, { snapshot: restored.snapshot }).start();
 */
export function restoreLaneSnapshot(
  stored: StoredLaneSnapshot,
  migrations: ReadonlyMap<number, LaneSnapshotMigration> = laneSnapshotMigrations,
  currentVersion: number = APPROVAL_LANE_MACHINE_VERSION,
): LaneSnapshotRestore {
  return restoreSnapshot(
    { id: APPROVAL_LANE_MACHINE_ID, version: currentVersion, migrations },
    stored,
  );
}
