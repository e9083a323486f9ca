import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LaneEffect } from '../../machines/laneTypes.js';
import {
  audits,
  canTake,
  laneEventTypes,
  laneStates,
  reach,
  stateValues,
  sendToLane,
  transitions,
  valid,
} from './laneHarness.js';
import type { LaneEventType, LaneStateName } from './laneHarness.js';

// The whole state × event table, spelled out: 9 resting states × 9 event types. Each cell
// either names the state a well-formed event leads to, or has no transition, and then the
// event must leave the saved snapshot byte-identical and declare no effect at all — that is
// how the runtime knows to write nothing.

type Cell = { state: LaneStateName; event: LaneEventType; to: LaneStateName | undefined };
const table: Cell[] = laneStates.flatMap((state) =>
  laneEventTypes.map((event) => ({ state, event, to: transitions[state][event] })),
);
const refusedCells = table.filter((c) => c.to === undefined);
const acceptedCells = table.filter((c) => c.to !== undefined);

const snapshots = new Map(laneStates.map((s) => [s, reach(s)]));
const at = (state: LaneStateName) => snapshots.get(state)!;

beforeEach(() => {
  // XState warns on the console when an event reaches a lane in a final state; that is the
  // case under test here, so the warning is noise.
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the table', () => {
  it('has all 81 cells: 9 transitions and 72 events with none', () => {
    expect(table).toHaveLength(81);
    expect(acceptedCells).toHaveLength(9);
    expect(refusedCells).toHaveLength(72);
  });

  it.each(laneStates)('reaching %s by well-formed events lands in that state', (state) => {
    expect(at(state).lane.value).toEqual(stateValues[state]);
    const final = Object.keys(transitions[state]).length === 0;
    expect(at(state).lane.status).toBe(final ? 'done' : 'active');
  });
});

describe('events with no transition', () => {
  it.each(refusedCells)(
    '$state × $event: snapshot unchanged, nothing emitted',
    ({ state, event }) => {
      const before = at(state);
      const after = sendToLane(before.json, valid[event]());

      expect(after.effects).toEqual<LaneEffect[]>([]);
      expect(after.json).toBe(before.json);
    },
  );

  it.each(refusedCells)(
    '$state × $event: `can` says no, so a host may ask first',
    ({ state, event }) => {
      expect(canTake(at(state).json, valid[event]())).toBe(false);
    },
  );
});

describe('events with a transition', () => {
  it.each(acceptedCells)(
    '$state × $event → $to, with exactly one audit',
    ({ state, event, to }) => {
      const before = at(state);
      const after = sendToLane(before.json, valid[event]());

      expect(after.lane.value).toEqual(stateValues[to!]);
      expect(after.json).not.toBe(before.json);
      expect(audits(after.effects)).toHaveLength(1);
      expect(after.effects.filter((e) => e.type === 'refused')).toEqual([]);
      expect(canTake(before.json, valid[event]())).toBe(true);
    },
  );
});

describe('restoring', () => {
  it.each(laneStates)(
    'a %s snapshot restores and saves back unchanged, emitting nothing',
    (state) => {
      // Entry effects (approved's approval-resume job) must not fire again on every restore.
      const again = sendToLane(at(state).json, null);

      expect(again.json).toBe(at(state).json);
      expect(again.effects).toEqual([]);
    },
  );
});
