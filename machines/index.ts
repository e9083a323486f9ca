// `countersign/machines`: the approval-lane and case machines for hosts that embed them as
// a plain state-machine library. Pure: no I/O, no clock, no database.
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
  ApprovalQuorum,
  InputChange,
  LaneContext,
  LaneDecision,
  LaneEdit,
  LaneVote,
  LaneEffect,
  LaneEvent,
  LaneFailure,
  LaneInput,
  LaneJob,
  LaneRefusal,
  LaneStatus,
  Stamped,
} from './laneTypes.js';
export { caseMachine, CASE_MACHINE_ID, CASE_MACHINE_VERSION } from './case.machine.js';
export { casePersistence, caseSnapshotMigrations, restoreCaseSnapshot } from './caseSnapshot.js';
// isCasePath, isBudgetAmount and holdsReservation are held back: the case machine's guards.
export {
  applyLedger,
  budgetLedger,
  budgetRoom,
  emptyLedger,
  ledgerLevelsFor,
} from './budgetLedger.js';
export type {
  BudgetDimension,
  BudgetRoom,
  LedgerEvent,
  LedgerRefusal,
  LevelRoom,
} from './budgetLedger.js';
export { closedCaseStatuses } from './caseTypes.js';
export type {
  ApprovalPoint,
  ApprovalTimeoutAction,
  BudgetAmount,
  BudgetLedgerState,
  BudgetLimits,
  CaseContext,
  CaseEffect,
  CaseEvent,
  CaseInput,
  CasePath,
  CasePolicyRef,
  CaseRefusal,
  CaseStatus,
  EscalationPolicy,
  GovernanceReceipt,
  LedgerLevel,
  PolicyBody,
  Reservation,
  TimeoutPolicy,
} from './caseTypes.js';
