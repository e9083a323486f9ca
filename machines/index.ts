// `countersign/machines`: the approval-lane machine for hosts that embed it as a plain
// state-machine library. Pure: no I/O, no clock, no database.
export {
  approvalLaneMachine,
  APPROVAL_LANE_MACHINE_ID,
  APPROVAL_LANE_MACHINE_VERSION,
} from './approvalLane.machine.js';
export { approvalLaneDefinition } from './approvalLaneDefinition.js';
export { laneSnapshotMigrations, restoreLaneSnapshot } from './laneSnapshot.js';
export { runPersistedCycle } from './persistedActor.js';
export type {
  CycleOptions,
  CycleResult,
  CycleStart,
  CycleState,
  PersistedMachine,
  SnapshotMigration,
  StoredSnapshot,
} from './persistedActor.js';
export type {
  LaneSnapshotMigration,
  LaneSnapshotRestore,
  StoredLaneSnapshot,
} from './laneSnapshot.js';
export { blockingLaneStatuses, dueLaneStatuses, terminalLaneStatuses } from './laneTypes.js';
export type {
  LaneContext,
  LaneDecision,
  LaneEffect,
  LaneEvent,
  LaneFailure,
  LaneInput,
  LaneJob,
  LaneRefusal,
  LaneStatus,
  Stamped,
} from './laneTypes.js';
