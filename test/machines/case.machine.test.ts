import { describe, expect, it } from 'vitest';
import type { Snapshot, StateValue } from 'xstate';
import { emptyLedger } from '../../machines/budgetLedger.js';
import { CASE_MACHINE_ID, CASE_MACHINE_VERSION, caseMachine } from '../../machines/case.machine.js';
import { casePersistence, restoreCaseSnapshot } from '../../machines/caseSnapshot.js';
import { runPersistedCycle } from '../../machines/persistedActor.js';
import { closedCaseStatuses } from '../../machines/caseTypes.js';
import type { CaseContext, CaseEffect, CaseEvent, CaseInput } from '../../machines/caseTypes.js';
import type { GovernanceReceipt } from '../../machines/caseTypes.js';

// The production cycle, one event per cycle, every snapshot passed on as JSON text: each
// turn proves that what was saved is enough to carry on.

const CREATED_AT = '2030-01-01T00:00:00.000Z';
const AT = '2030-01-01T00:10:00.000Z';
const DEADLINE = '2030-01-01T01:00:00.000Z';
const POLICY = { name: 'research', version: 3, hash: 'a'.repeat(64) };
const BUDGETS = { '/': { maxEffects: 5, maxCost: 100 }, '/research': { maxEffects: 3 } };
const one = { effects: 1, timeMs: 500, cost: 2 };
const FULL = 'maxEffects at /research: 0 used, 3 reserved, limit 3 (1 requested)';

const caseInput = (overrides: Partial<CaseInput> = {}): CaseInput => ({
  caseId: 'case-1',
  policy: POLICY,
  budgets: BUDGETS,
  onBudgetExhausted: 'block',
  deadline: DEADLINE,
  createdBy: 'user:alice',
  at: CREATED_AT,
  ...overrides,
});

type Body<T extends CaseEvent['type']> = Omit<Extract<CaseEvent, { type: T }>, 'type' | 'at'>;
const event = <T extends CaseEvent['type']>(type: T, body: Body<T>, at = AT) =>
  ({ type, ...body, at }) as CaseEvent;
const complete = () => event('COMPLETE', { actorId: 'user:alice' });
const cancel = (reason = 'not needed') => event('CANCEL', { actorId: 'user:bob', reason });
const timeOut = (at = '2030-01-01T01:00:00.001Z') => event('TIME_OUT', {}, at);
const reserve = (taskId: string, path = '/research', amount = one) =>
  event('RESERVE', { taskId, path, amount });
const settle = (taskId: string, timeMs = 320, cost = 1) =>
  event('SETTLE', { taskId, used: { timeMs, cost } });
const release = (taskId: string) => event('RELEASE', { taskId });
const record = (receipt: GovernanceReceipt) => event('RECORD_RECEIPT', { receipt });

const receipt = (fields: Partial<GovernanceReceipt>): GovernanceReceipt => ({
  ...{ errorType: 'budget_exceeded', scope: '/research', taskId: 't4', detail: '', timestamp: AT },
  ...fields,
});
const audit = (name: string, actorId: string, data: object, at = AT) =>
  ({ type: 'audit', event: name, actorId, at, data }) as CaseEffect;
/** The audit of a receipt recorded on the case. */
const recorded = (r: GovernanceReceipt) =>
  audit('governance_receipt', 'system:case', { receipt: r });

type Saved = { status: string; value: StateValue; context: CaseContext };
type CaseTurn = Saved & { json: string; effects: CaseEffect[] };

function cycle(start: { input: CaseInput } | { json: string }, event: CaseEvent | null): CaseTurn {
  const from = 'input' in start ? start : { snapshot: JSON.parse(start.json) as Snapshot<unknown> };
  const result = runPersistedCycle(caseMachine, from, event ? [event] : []);
  if (!result.ok) throw new Error(`case ${result.detail}`);
  const state = result.states.at(-1) ?? result.start;
  const json = JSON.stringify(state.persisted);
  return { json, ...(JSON.parse(json) as Saved), effects: state.effects };
}

const openCase = (input = caseInput()) => cycle({ input }, null);
/** Sends each event in a cycle of its own; the last turn. */
const send = (from: CaseTurn, ...events: CaseEvent[]) =>
  events.reduce((turn, e) => cycle({ json: turn.json }, e), from);

/** The invariant of a refusal: one `refused` effect, nothing saved differently. */
function expectRefused(before: CaseTurn, event: CaseEvent, error: string, reason: string) {
  const after = send(before, event);
  expect(after.effects).toEqual([{ type: 'refused', error, reason }]);
  expect(after.json).toBe(before.json);
}

describe('creating a case', () => {
  it('starts open with an empty ledger, recording case_created once', () => {
    const opened = openCase();

    expect(opened.value).toBe('open');
    expect(opened.context).toEqual({
      ...{ caseId: 'case-1', policy: POLICY, createdBy: 'user:alice', createdAt: CREATED_AT },
      ...{ deadline: DEADLINE, onBudgetExhausted: 'block', closed: null },
      ledger: emptyLedger(BUDGETS),
    });
    const created = { policy: POLICY, deadline: DEADLINE, budgets: BUDGETS };
    const data = { ...created, onBudgetExhausted: 'block' };
    expect(opened.effects).toEqual([audit('case_created', 'user:alice', data, CREATED_AT)]);
  });
});

describe('closing an open case', () => {
  it('COMPLETE → completed, closed by the actor', () => {
    const done = send(openCase(), complete());

    expect([done.value, done.status]).toEqual(['completed', 'active']);
    expect(done.context.closed).toEqual({ by: 'user:alice', at: AT, reason: null });
    expect(done.effects).toEqual([audit('case_completed', 'user:alice', { reason: null })]);
  });

  it('CANCEL → cancelled with its reason; a blank reason is refused', () => {
    expectRefused(openCase(), cancel('  '), 'invalid_event', 'reason_required');
    const cancelled = send(openCase(), cancel());

    expect(cancelled.value).toBe('cancelled');
    expect(cancelled.context.closed).toEqual({ by: 'user:bob', at: AT, reason: 'not needed' });
    expect(cancelled.effects).toEqual([
      audit('case_cancelled', 'user:bob', { reason: 'not needed' }),
    ]);
  });

  it('TIME_OUT before the deadline, or without one, is refused as not_due', () => {
    expectRefused(openCase(), timeOut('2030-01-01T00:59:59.999Z'), 'not_due', 'before_deadline');
    expectRefused(openCase(caseInput({ deadline: null })), timeOut(), 'not_due', 'no_deadline');
  });

  it('TIME_OUT at the deadline → timed_out by system:timeout, with a timeout receipt', () => {
    const timedOut = send(openCase(), timeOut(DEADLINE));
    const reason = `case deadline ${DEADLINE} passed`;

    expect(timedOut.value).toBe('timed_out');
    expect(timedOut.context.closed).toEqual({ by: 'system:timeout', at: DEADLINE, reason });
    const timeout = { errorType: 'timeout', scope: '/', taskId: null, detail: reason };
    const data = { reason, deadline: DEADLINE, receipt: { ...timeout, timestamp: DEADLINE } };
    expect(timedOut.effects).toEqual([audit('case_timed_out', 'system:timeout', data, DEADLINE)]);
  });

  it.each([
    ['an unparsable deadline', 'soon', AT],
    ['an unparsable time', DEADLINE, 'later'],
  ])('fails closed on %s: the case times out', (_what, deadline, at) => {
    expect(send(openCase(caseInput({ deadline })), timeOut(at)).value).toBe('timed_out');
  });
});

describe('budgets of an open case', () => {
  it('RESERVE that fits: held at every level, audited as budget_reserved', () => {
    const reserved = send(openCase(), reserve('t1', '/research/web'));
    const paths = ['/', '/research'];

    expect(reserved.context.ledger.reservations).toEqual({ t1: { paths, amount: one } });
    expect(reserved.context.ledger.levels['/research']!.reserved).toEqual(one);
    const data = { taskId: 't1', path: '/research/web', amount: one, paths };
    expect(reserved.effects).toEqual([audit('budget_reserved', 'system:case', data)]);
  });

  it('sub-path 3 inside case 5: the 4th at the sub-path and the 6th anywhere are receipts', () => {
    const three = send(openCase(), reserve('t1'), reserve('t2'), reserve('t3', '/research/web'));
    const fourth = send(three, reserve('t4'));

    expect(fourth.value).toBe('open');
    expect(fourth.context.ledger).toEqual(three.context.ledger);
    expect(fourth.effects).toEqual([recorded(receipt({ detail: FULL }))]);

    const five = send(three, reserve('t4', '/writing'), reserve('t5', '/writing'));
    expect(five.context.ledger.levels['/']!.reserved.effects).toBe(5);
    const detail = 'maxEffects at /: 0 used, 5 reserved, limit 5 (1 requested)';
    const sixth = receipt({ scope: '/writing', taskId: 't6', detail });
    expect(send(five, reserve('t6', '/writing')).effects).toEqual([recorded(sixth)]);
  });

  it("onBudgetExhausted 'cancel': the refusal's receipt, then the case is cancelled", () => {
    const opened = openCase(caseInput({ onBudgetExhausted: 'cancel' }));
    const full = send(opened, reserve('t1'), reserve('t2'), reserve('t3'));
    const cancelled = send(full, reserve('t4'));

    expect(cancelled.value).toBe('cancelled');
    expect(cancelled.context.closed).toEqual({ by: 'system:budget', at: AT, reason: FULL });
    expect(cancelled.effects).toEqual([
      recorded(receipt({ detail: FULL })),
      audit('case_cancelled', 'system:budget', { reason: FULL }),
    ]);
    expect(cancelled.context.ledger).toEqual(full.context.ledger);
  });

  it('SETTLE moves the hold to use with the measured time and cost, once', () => {
    const settled = send(openCase(), reserve('t1', '/research/web'), settle('t1'));
    const used = { effects: 1, timeMs: 320, cost: 1 };
    const zero = { effects: 0, timeMs: 0, cost: 0 };

    expect(settled.context.ledger.levels['/']).toMatchObject({ used, reserved: zero });
    expect(settled.context.ledger.reservations).toEqual({});
    const data = { taskId: 't1', paths: ['/', '/research'], reserved: one, used };
    expect(settled.effects).toEqual([audit('budget_settled', 'system:case', data)]);
    const again = send(settled, settle('t1', 999, 999));
    expect([again.json, again.effects]).toEqual([settled.json, []]);
  });

  it('RELEASE gives the hold back; an unknown task changes nothing and records nothing', () => {
    const released = send(openCase(), reserve('t1'), release('t1'));

    expect(released.context.ledger).toEqual(emptyLedger(BUDGETS));
    const data = { taskId: 't1', paths: ['/', '/research'], reserved: one };
    expect(released.effects).toEqual([audit('budget_released', 'system:case', data)]);
    const again = send(released, release('t1'));
    expect([again.json, again.effects]).toEqual([released.json, []]);
  });

  it('a repeated RESERVE changes nothing; malformed budget events are refused', () => {
    const held = send(openCase(), reserve('t1'));
    const repeat = send(held, reserve('t1'));
    expect([repeat.json, repeat.effects]).toEqual([held.json, []]);

    expectRefused(held, reserve('t2', 'research'), 'invalid_event', 'invalid_reservation');
    expectRefused(held, reserve('t2', '/a/'), 'invalid_event', 'invalid_reservation');
    const negative = { ...one, cost: -1 };
    expectRefused(held, reserve('t2', '/', negative), 'invalid_event', 'invalid_reservation');
    expectRefused(held, settle('t1', 1.5), 'invalid_event', 'invalid_usage');
  });

  it('RECORD_RECEIPT records it as governance_receipt', () => {
    const r = receipt({ errorType: 'allowlist_violation', scope: '/', detail: 'not allowed' });

    expect(send(openCase(), record(r)).effects).toEqual([recorded(r)]);
  });
});

describe('closed cases keep the books but take no new work', () => {
  const closers: Record<string, CaseEvent> = {
    completed: complete(),
    cancelled: cancel(),
    timed_out: timeOut(),
  };

  it.each([...closedCaseStatuses])('%s', (status) => {
    const closed = send(openCase(), reserve('t1'), closers[status]!);
    expect([closed.value, closed.status]).toEqual([status, 'active']);

    for (const e of [complete(), cancel(), timeOut()]) {
      expectRefused(closed, e, 'case_closed', `case_${status}`);
    }
    const late = send(closed, reserve('t2'));
    expect(late.context.ledger).toEqual(closed.context.ledger);
    const detail = `case is ${status}`;
    const closedReceipt = receipt({ errorType: 'case_closed', taskId: 't2', detail });
    expect(late.effects).toEqual([recorded(closedReceipt)]);

    const settled = send(closed, settle('t1'));
    expect(settled.value).toBe(status);
    expect(settled.context.ledger.levels['/']!.used.effects).toBe(1);
    expect(settled.effects.map((e) => e.type === 'audit' && e.event)).toEqual(['budget_settled']);
    const r = receipt({ errorType: 'escalated' });
    expect(send(closed, record(r)).effects).toEqual([recorded(r)]);
  });
});

describe('the case machine is pure and persisted', () => {
  it('has four flat states, none final, no `after` timers and no invoked actors', () => {
    const { root } = caseMachine;
    const states = Object.values(root.states);

    expect(states.map((node) => node.key)).toEqual(['open', 'completed', 'cancelled', 'timed_out']);
    expect(new Set(states.map((node) => node.type))).toEqual(new Set(['atomic']));
    for (const node of [root, ...states]) expect([node.after, node.invoke]).toEqual([[], []]);
  });

  it('is countersign.case version 1, with no migrations yet', () => {
    expect([CASE_MACHINE_ID, CASE_MACHINE_VERSION]).toEqual(['countersign.case', 1]);
    expect(caseMachine.version).toBe('1');
    expect(casePersistence).toMatchObject({ machine: caseMachine, id: CASE_MACHINE_ID });
    expect(casePersistence.migrations.size).toBe(0);
  });

  it('persist → restore → continue: nothing is re-emitted, and the books carry on', () => {
    const held = send(openCase(), reserve('t1'));
    const snapshot = JSON.parse(held.json) as unknown;
    const restored = restoreCaseSnapshot({
      machineId: CASE_MACHINE_ID,
      machineVersion: 1,
      snapshot,
    });
    if (!restored.ok) throw new Error(restored.detail);

    const resumed = cycle({ json: JSON.stringify(restored.snapshot) }, null);
    expect([resumed.json, resumed.effects]).toEqual([held.json, []]);
    expect(send(resumed, settle('t1')).json).toBe(send(held, settle('t1')).json);
  });

  it('refuses a foreign or newer snapshot', () => {
    const snapshot = JSON.parse(openCase().json) as unknown;
    const foreign = { machineId: 'countersign.approvalLane', machineVersion: 1, snapshot };
    expect(restoreCaseSnapshot(foreign)).toMatchObject({ ok: false, error: 'foreign_machine' });
    const newer = { machineId: CASE_MACHINE_ID, machineVersion: 2, snapshot };
    expect(restoreCaseSnapshot(newer)).toMatchObject({ ok: false, error: 'unsupported_version' });
  });
});
