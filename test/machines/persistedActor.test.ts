import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import type { InspectionEvent, Snapshot } from 'xstate';
import { approvalLaneMachine } from '../../machines/approvalLane.machine.js';
import { runPersistedCycle } from '../../machines/persistedActor.js';
import type { CycleResult } from '../../machines/persistedActor.js';
import { laneEventTypes, laneInput, laneStates, reach, valid } from './laneHarness.js';

type LaneMachine = typeof approvalLaneMachine;
const restored = (json: string) => ({ snapshot: JSON.parse(json) as Snapshot<unknown> });
const ok = (result: CycleResult<LaneMachine>) => {
  if (!result.ok) throw new Error(result.detail);
  return result;
};

describe('runPersistedCycle: one actor, one state per event', () => {
  it('opens a lane with the opening effects', () => {
    const opened = ok(runPersistedCycle(approvalLaneMachine, { input: laneInput() }, []));

    expect(opened.start.value).toBe('pending');
    expect(opened.start.effects.map((e) => e.type)).toEqual(['audit', 'enqueue']);
    expect(opened.states).toEqual([]);
  });

  it('runs a whole lifecycle in one cycle, each state with its own effects', () => {
    const events = [
      valid.APPROVE(),
      valid.RESUME(),
      valid.EXECUTION_CLAIMED(),
      valid.EXECUTION_SUCCEEDED(),
    ];
    const whole = ok(runPersistedCycle(approvalLaneMachine, { input: laneInput() }, events));

    expect(whole.states.map((s) => s.value)).toEqual([
      'approved',
      { execution_pending: 'queued' },
      { execution_pending: 'running' },
      'executed',
    ]);
    expect(whole.states.map((s) => s.effects.map((e) => e.type))).toEqual([
      ['audit', 'enqueue'],
      ['audit', 'enqueue'],
      ['audit'],
      ['audit'],
    ]);
  });

  const cells = laneStates.flatMap((state) => laneEventTypes.map((event) => ({ state, event })));
  it.each(cells)('$state × $event: an inspector changes nothing', ({ state, event }) => {
    const saved = reach(state).json;
    const plain = ok(runPersistedCycle(approvalLaneMachine, restored(saved), [valid[event]()]));
    const inspected = ok(
      runPersistedCycle(approvalLaneMachine, restored(saved), [valid[event]()], {
        inspect: () => undefined,
      }),
    );

    expect(inspected.states).toEqual(plain.states);
  });
});

describe('runPersistedCycle: what it guarantees', () => {
  it('an event sent to a finished lane changes nothing and emits nothing', () => {
    const saved = reach('executed').json;
    for (const options of [{}, { inspect: () => undefined }]) {
      const result = ok(
        runPersistedCycle(approvalLaneMachine, restored(saved), [valid.APPROVE()], options),
      );
      expect(result.states[0]!.effects).toEqual([]);
      expect(JSON.stringify(result.states[0]!.persisted)).toBe(saved);
    }
  });

  it('shows an inspector every event of the cycle, on one actor', () => {
    const seen: InspectionEvent[] = [];
    const events = [valid.APPROVE(), valid.RESUME()];
    ok(
      runPersistedCycle(approvalLaneMachine, { input: laneInput() }, events, {
        inspect: (e) => seen.push(e),
      }),
    );

    const sent = seen.filter((e) => e.type === '@xstate.event').map((e) => e.event.type);
    expect(sent).toEqual(['xstate.init', 'APPROVE', 'RESUME']);
    const actors = new Set(seen.filter((e) => e.type === '@xstate.actor').map((e) => e.actorRef));
    expect(actors.size).toBe(1);
  });

  it('returns a machine that throws as machine_error, never throwing itself', () => {
    const fragile = setup({
      types: { context: {} as { n: number }, events: {} as { type: 'GO' } },
    }).createMachine({
      context: { n: 0 },
      initial: 'idle',
      states: {
        idle: {
          on: {
            GO: {
              actions: assign(() => {
                throw new Error('boom');
              }),
            },
          },
        },
      },
    });
    for (const options of [{}, { inspect: () => undefined }]) {
      const result = runPersistedCycle(fragile, { input: undefined }, [{ type: 'GO' }], options);
      expect(result).toMatchObject({ ok: false, error: 'machine_error' });
      expect(result.ok || String(result.detail)).toContain('boom');
    }
  });

  it('persists plain JSON that a new cycle restores to the same state', () => {
    const first = ok(runPersistedCycle(approvalLaneMachine, { input: laneInput() }, []));
    const json = JSON.stringify(first.start.persisted);
    const again = ok(runPersistedCycle(approvalLaneMachine, restored(json), []));

    expect(again.start.persisted).toEqual(first.start.persisted);
    expect(again.start.effects).toEqual([]);
  });
});
