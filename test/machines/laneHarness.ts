import { createActor } from 'xstate';
import type { Snapshot, StateValue } from 'xstate';
import { approvalLaneMachine } from '../../machines/approvalLane.machine.js';
import { runPersistedCycle } from '../../machines/persistedActor.js';
import type { LaneContext, LaneEffect, LaneEvent, LaneInput } from '../../machines/laneTypes.js';

// Shared by the machine suites: fixed facts, well-formed events, and the one persisted-actor
// cycle the runtime uses, with every snapshot passed around as JSON text, so each turn
// proves that what was saved is enough to carry on.

export const PROPOSER = 'user:alice';
export const APPROVER = 'user:bob';
export const ROLE = 'approver:high';
export const INPUT_HASH = 'sha256:' + 'a'.repeat(64);
export const CALL_DIGEST = 'c'.repeat(64);

export const OPENED_AT = '2030-01-01T00:00:00.000Z';
export const DECIDED_AT = '2030-01-01T12:00:00.000Z';
export const RESUMED_AT = '2030-01-01T12:00:01.000Z';
export const CLAIMED_AT = '2030-01-01T12:00:02.000Z';
export const LEASE_UNTIL = '2030-01-01T12:05:02.000Z';
export const FINISHED_AT = '2030-01-01T12:00:03.000Z';
export const RETRY_AT = '2030-01-01T12:10:00.000Z';
export const EXPIRES_AT = '2030-01-02T00:00:00.000Z';
export const JUST_BEFORE_DEADLINE = '2030-01-01T23:59:59.999Z';
export const AFTER_DEADLINE = '2030-01-02T00:00:00.001Z';

export type LaneEventType = LaneEvent['type'];
export type LaneEventOf<T extends LaneEventType> = Extract<LaneEvent, { type: T }>;

export const laneEventTypes: readonly LaneEventType[] = [
  'APPROVE',
  'REJECT',
  'DEFER',
  'EXPIRE',
  'RESUME',
  'EXECUTION_CLAIMED',
  'EXECUTION_SUCCEEDED',
  'EXECUTION_FAILED',
  'EXECUTION_RETRY',
];

/** A lane that needs a decision from someone other than the proposer holding `ROLE`. */
export function laneInput(overrides: Partial<LaneInput> = {}): LaneInput {
  return {
    laneId: 'lane-1',
    proposalId: 'proposal-1',
    proposerId: PROPOSER,
    requiredRole: ROLE,
    inputHash: INPUT_HASH,
    callDigest: CALL_DIGEST,
    expiresAt: EXPIRES_AT,
    requestedBy: PROPOSER,
    at: OPENED_AT,
    ...overrides,
  };
}

/** One well-formed event of each type, sent by someone entitled to send it, in time. */
export const valid: { [T in LaneEventType]: () => LaneEventOf<T> } = {
  APPROVE: () => ({
    type: 'APPROVE',
    actorId: APPROVER,
    actorRoles: [ROLE],
    note: 'checked the amount',
    at: DECIDED_AT,
  }),
  REJECT: () => ({
    type: 'REJECT',
    actorId: APPROVER,
    actorRoles: [ROLE],
    reason: 'wrong account',
    at: DECIDED_AT,
  }),
  DEFER: () => ({
    type: 'DEFER',
    actorId: APPROVER,
    actorRoles: [ROLE],
    reason: 'ask finance first',
    at: DECIDED_AT,
  }),
  EXPIRE: () => ({ type: 'EXPIRE', actorId: 'system', at: EXPIRES_AT }),
  RESUME: () => ({ type: 'RESUME', actorId: 'system:scheduler', at: RESUMED_AT }),
  ESCALATE: () => ({ type: 'ESCALATE', actorId: 'system:escalation', at: EXPIRES_AT }),
  DEFAULT_DECISION: () => ({ type: 'DEFAULT_DECISION', decision: 'reject', at: EXPIRES_AT }),
  EXECUTION_CLAIMED: () => ({
    type: 'EXECUTION_CLAIMED',
    inputHash: INPUT_HASH,
    callDigest: CALL_DIGEST,
    leaseUntil: LEASE_UNTIL,
    at: CLAIMED_AT,
  }),
  EXECUTION_REFUSED: () => ({
    type: 'EXECUTION_REFUSED',
    failure: { code: 'budget_exceeded', message: 'no maxEffects left at /' },
    at: CLAIMED_AT,
  }),
  EXECUTION_SUCCEEDED: () => ({
    type: 'EXECUTION_SUCCEEDED',
    result: { paid: true, reference: 'tx-42' },
    at: FINISHED_AT,
  }),
  EXECUTION_FAILED: () => ({
    type: 'EXECUTION_FAILED',
    failure: { code: 'tool_error', message: 'the bank said no' },
    at: FINISHED_AT,
  }),
  EXECUTION_RETRY: () => ({
    type: 'EXECUTION_RETRY',
    failure: { code: 'timeout', message: 'the bank did not answer' },
    retryAt: RETRY_AT,
    at: FINISHED_AT,
  }),
};

/** What `getPersistedSnapshot()` hands back for this machine, once parsed from JSON. */
export interface PersistedLane {
  status: 'active' | 'done' | 'error' | 'stopped';
  value: StateValue;
  context: LaneContext;
}

/** One turn of the persisted-actor cycle. */
export interface LaneTurn {
  /** The persisted snapshot exactly as it would be saved. */
  json: string;
  lane: PersistedLane;
  effects: LaneEffect[];
}

// The production cycle, with what it persists passed on as JSON text.
function cycle(from: { input: LaneInput } | { json: string }, event: LaneEvent | null): LaneTurn {
  const start = 'input' in from ? from : { snapshot: JSON.parse(from.json) as Snapshot<unknown> };
  const result = runPersistedCycle(approvalLaneMachine, start, event ? [event] : []);
  if (!result.ok) throw new Error(`lane ${result.detail}`);
  const state = result.states.at(-1) ?? result.start;
  const json = JSON.stringify(state.persisted);
  return { json, lane: JSON.parse(json) as PersistedLane, effects: state.effects };
}

/** Opens a fresh lane from `input`. */
export function openLane(input: LaneInput = laneInput()): LaneTurn {
  return cycle({ input }, null);
}

/** Restores a saved snapshot, sends `event` (or nothing), and saves again. */
export function sendToLane(json: string, event: LaneEvent | null): LaneTurn {
  return cycle({ json }, event);
}

/** Every state a lane can rest in between events (`requested` is left during start). */
export const laneStates = [
  'pending',
  'approved',
  'queued',
  'running',
  'executed',
  'execution_failed',
  'rejected',
  'deferred',
  'expired',
] as const;
export type LaneStateName = (typeof laneStates)[number];

export const stateValues: Record<LaneStateName, StateValue> = {
  pending: 'pending',
  approved: 'approved',
  queued: { execution_pending: 'queued' },
  running: { execution_pending: 'running' },
  executed: 'executed',
  execution_failed: 'execution_failed',
  rejected: 'rejected',
  deferred: 'deferred',
  expired: 'expired',
};

/** The whole transition table for well-formed events: what is absent has no transition. */
export const transitions: Record<LaneStateName, Partial<Record<LaneEventType, LaneStateName>>> = {
  pending: { APPROVE: 'approved', REJECT: 'rejected', DEFER: 'deferred', EXPIRE: 'expired' },
  approved: { RESUME: 'queued' },
  queued: { EXECUTION_CLAIMED: 'running' },
  running: {
    EXECUTION_SUCCEEDED: 'executed',
    EXECUTION_FAILED: 'execution_failed',
    EXECUTION_RETRY: 'queued',
  },
  executed: {},
  execution_failed: {},
  rejected: {},
  deferred: {},
  expired: {},
};

const paths: Record<LaneStateName, readonly LaneEventType[]> = {
  pending: [],
  approved: ['APPROVE'],
  queued: ['APPROVE', 'RESUME'],
  running: ['APPROVE', 'RESUME', 'EXECUTION_CLAIMED'],
  executed: ['APPROVE', 'RESUME', 'EXECUTION_CLAIMED', 'EXECUTION_SUCCEEDED'],
  execution_failed: ['APPROVE', 'RESUME', 'EXECUTION_CLAIMED', 'EXECUTION_FAILED'],
  rejected: ['REJECT'],
  deferred: ['DEFER'],
  expired: ['EXPIRE'],
};

/** A lane driven to `state` by well-formed events, one stateless cycle each. */
export function reach(state: LaneStateName): LaneTurn {
  return paths[state].reduce((turn, type) => sendToLane(turn.json, valid[type]()), openLane());
}

/** The audit effects among `effects`. */
export function audits(effects: readonly LaneEffect[]): Extract<LaneEffect, { type: 'audit' }>[] {
  return effects.filter((e): e is Extract<LaneEffect, { type: 'audit' }> => e.type === 'audit');
}

/** Whether a saved lane has a transition for `event` (XState's `snapshot.can`). */
export function canTake(json: string, event: LaneEvent): boolean {
  const actor = createActor(approvalLaneMachine, {
    snapshot: JSON.parse(json) as Snapshot<unknown>,
    input: undefined as never,
  });
  const can = actor.getSnapshot().can(event);
  actor.stop();
  return can;
}
