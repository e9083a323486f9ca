import { describe, expect, it } from 'vitest';
import type { StoreSnapshot } from '@xstate/store';
import {
  applyLedger,
  budgetLedger,
  budgetRoom,
  emptyLedger,
  ledgerLevelsFor,
} from '../../machines/budgetLedger.js';
import type { LedgerEvent } from '../../machines/budgetLedger.js';
import type { BudgetAmount, BudgetLedgerState } from '../../machines/caseTypes.js';

const one: BudgetAmount = { effects: 1, timeMs: 0, cost: 0 };
const zero: BudgetAmount = { effects: 0, timeMs: 0, cost: 0 };
const of = (effects: number, timeMs: number, cost: number) => ({ effects, timeMs, cost });
const reserve = (taskId: string, path: string, amount = one): LedgerEvent =>
  ({ type: 'reserve', taskId, path, amount }) as const;
const settle = (taskId: string, timeMs: number, cost: number): LedgerEvent =>
  ({ type: 'settle', taskId, used: { timeMs, cost } }) as const;

/** Applies `events` in order, failing the test on any refusal. */
function accepted(ledger: BudgetLedgerState, ...events: LedgerEvent[]): BudgetLedgerState {
  return events.reduce((state, event) => {
    const next = applyLedger(state, event);
    if (next.refused) throw new Error(`unexpected refusal: ${next.refused.reason}`);
    return next.ledger;
  }, ledger);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('emptyLedger', () => {
  it('has a level per budgeted path, nothing used or reserved, no reservations', () => {
    expect(emptyLedger({ '/': { maxEffects: 5 }, '/a': { maxCost: 9 } })).toEqual({
      levels: {
        '/': { limit: { maxEffects: 5 }, used: zero, reserved: zero },
        '/a': { limit: { maxCost: 9 }, used: zero, reserved: zero },
      },
      reservations: {},
    });
    expect(emptyLedger()).toEqual({ levels: {}, reservations: {} });
  });
});

describe('ledgerLevelsFor: the levels that apply, by whole segments, from / down', () => {
  // Inserted deepest first, so the order returned cannot be the insertion order.
  const ledger = emptyLedger({
    '/research/web': {},
    '/researchers': {},
    '/research': {},
    '/other': {},
    '/': {},
  });

  it.each([
    ['/research/web/deep', ['/', '/research', '/research/web']],
    ['/research/web', ['/', '/research', '/research/web']],
    ['/research', ['/', '/research']],
    ['/researchers', ['/', '/researchers']],
    ['/research/webs', ['/', '/research']],
    ['/', ['/']],
  ])('a call at %s is charged at %j', (path, levels) => {
    expect(ledgerLevelsFor(ledger, path)).toEqual(levels);
  });

  it('without a / budget, a path outside every budgeted path has no level', () => {
    expect(ledgerLevelsFor(emptyLedger({ '/research': {} }), '/writing')).toEqual([]);
  });
});

describe('reserve', () => {
  it('holds the amount at every applicable level and records the reservation', () => {
    const ledger = emptyLedger({ '/': {}, '/research': {}, '/writing': {} });
    const amount = of(1, 200, 7);
    const next = accepted(ledger, reserve('t1', '/research/web', amount));

    expect(next.levels['/']!.reserved).toEqual(amount);
    expect(next.levels['/research']!.reserved).toEqual(amount);
    expect(next.levels['/writing']!.reserved).toEqual(of(0, 0, 0));
    expect(next.reservations).toEqual({ t1: { paths: ['/', '/research'], amount } });
  });

  it.each([
    ['maxEffects', { maxEffects: 2 }, of(3, 0, 0), 3],
    ['maxEffectTimeMs', { maxEffectTimeMs: 1000 }, of(0, 1001, 0), 1001],
    ['maxCost', { maxCost: 50 }, of(0, 0, 51), 51],
  ] as const)('refuses on %s, leaving the ledger unchanged', (dimension, limit, amount, n) => {
    const ledger = emptyLedger({ '/': limit });
    const { ledger: next, refused } = applyLedger(ledger, reserve('t1', '/', amount));

    expect(refused).toEqual({
      path: '/',
      dimension,
      reason: `${dimension} at /: 0 used, 0 reserved, limit ${Object.values(limit)[0]} (${n} requested)`,
    });
    expect(next).toEqual(ledger);
  });

  it('fits exactly up to the limit', () => {
    const ledger = emptyLedger({ '/': { maxEffects: 2, maxCost: 10 } });
    const next = accepted(ledger, reserve('t1', '/', of(2, 0, 10)));

    expect(next.levels['/']!.reserved).toEqual(of(2, 0, 10));
  });

  it('names the first level from / down, then the first limit, that has no room', () => {
    const ledger = emptyLedger({ '/a': { maxEffects: 0 }, '/': { maxCost: 0, maxEffects: 0 } });

    expect(applyLedger(ledger, reserve('t1', '/a', of(1, 0, 1))).refused).toMatchObject({
      path: '/',
      dimension: 'maxEffects',
    });
  });

  it('a sub-path budget of 3 inside a case budget of 5', () => {
    let ledger = emptyLedger({ '/': { maxEffects: 5 }, '/research': { maxEffects: 3 } });
    ledger = accepted(ledger, reserve('t1', '/research'), reserve('t2', '/research/web'));
    ledger = accepted(ledger, reserve('t3', '/research/web'));

    const fourth = applyLedger(ledger, reserve('t4', '/research'));
    expect(fourth.refused).toEqual({
      path: '/research',
      dimension: 'maxEffects',
      reason: 'maxEffects at /research: 0 used, 3 reserved, limit 3 (1 requested)',
    });

    ledger = accepted(ledger, reserve('t4', '/writing'), reserve('t5', '/'));
    expect(ledger.levels['/']!.reserved.effects).toBe(5);
    for (const path of ['/', '/writing', '/research', '/researchers']) {
      expect(applyLedger(ledger, reserve('t6', path)).refused).toMatchObject({ path: '/' });
    }
  });

  it('counts settled use: a level that is used up refuses', () => {
    let ledger = emptyLedger({ '/research': { maxEffects: 1 } });
    ledger = accepted(ledger, reserve('t1', '/research'), settle('t1', 5, 0));

    expect(applyLedger(ledger, reserve('t2', '/research')).refused?.reason).toBe(
      'maxEffects at /research: 1 used, 0 reserved, limit 1 (1 requested)',
    );
  });

  it('a task that already holds a reservation: unchanged, not refused, even when full', () => {
    const ledger = accepted(emptyLedger({ '/': { maxEffects: 1 } }), reserve('t1', '/'));
    const again = applyLedger(ledger, reserve('t1', '/'));

    expect(again).toEqual({ ledger, refused: null });
  });

  it('with no applicable level it always fits, and is recorded so it can settle', () => {
    const ledger = accepted(emptyLedger({ '/research': { maxEffects: 0 } }), reserve('t1', '/w'));
    expect(ledger.reservations.t1).toEqual({ paths: [], amount: one });

    const settled = accepted(ledger, settle('t1', 1, 1));
    expect(settled).toEqual(emptyLedger({ '/research': { maxEffects: 0 } }));
  });

  it('treats task ids as plain keys: "constructor" holds nothing until it reserves', () => {
    const ledger = accepted(emptyLedger({ '/': { maxEffects: 1 } }), reserve('constructor', '/'));

    expect(Object.keys(ledger.reservations)).toEqual(['constructor']);
    expect(ledger.levels['/']!.reserved.effects).toBe(1);
  });

  it('refuses a malformed reservation loudly instead of corrupting the books', () => {
    const ledger = emptyLedger({ '/': {} });
    expect(() =>
      applyLedger(ledger, reserve('t1', '/', { effects: -1, timeMs: 0, cost: 0 })),
    ).toThrow(RangeError);
    expect(() => applyLedger(ledger, reserve('t1', 'research'))).toThrow(RangeError);
  });
});

describe('settle and release', () => {
  const base = () =>
    accepted(
      emptyLedger({ '/': { maxEffectTimeMs: 1000 }, '/r': {} }),
      reserve('t1', '/r', of(1, 400, 9)),
      reserve('t2', '/', of(2, 100, 1)),
    );

  it('settle replaces the hold by what the run used; effects stay as reserved', () => {
    const settled = accepted(base(), settle('t1', 250, 3));

    expect(settled.levels['/']).toMatchObject({ used: of(1, 250, 3), reserved: of(2, 100, 1) });
    expect(settled.levels['/r']).toMatchObject({ used: of(1, 250, 3), reserved: zero });
    expect(Object.keys(settled.reservations)).toEqual(['t2']);
  });

  it('settling twice charges once; settling an unknown task changes nothing', () => {
    const event: LedgerEvent = settle('t1', 250, 3);
    const once = accepted(base(), event);

    expect(applyLedger(once, event)).toEqual({ ledger: once, refused: null });
    expect(applyLedger(base(), { ...event, taskId: 'nobody' }).ledger).toEqual(base());
  });

  it('a run that overran its time is charged what it measured, and the level then refuses', () => {
    const over = accepted(base(), settle('t1', 950, 0));

    expect(over.levels['/']!.used.timeMs).toBe(950);
    expect(applyLedger(over, reserve('t3', '/', of(0, 0, 0))).refused).toMatchObject({
      path: '/',
      dimension: 'maxEffectTimeMs',
    });
  });

  it('release gives the hold back and uses nothing; an unknown release changes nothing', () => {
    const released = accepted(base(), { type: 'release', taskId: 't1' });

    expect(released.levels['/r']).toEqual({ limit: {}, used: zero, reserved: zero });
    expect(released.levels['/']).toMatchObject({ used: zero, reserved: of(2, 100, 1) });
    expect(Object.keys(released.reservations)).toEqual(['t2']);
    expect(applyLedger(released, { type: 'release', taskId: 't1' }).ledger).toEqual(released);
  });

  it('never mutates the ledger it is given', () => {
    const frozen = deepFreeze(base());
    const copy = structuredClone(frozen);
    accepted(frozen, settle('t1', 1, 1));
    accepted(frozen, { type: 'release', taskId: 't2' }, reserve('t3', '/r'));

    expect(frozen).toEqual(copy);
  });
});

describe('budgetLedger.transition: the store itself', () => {
  it('returns the next snapshot and, on refusal, one refused effect', () => {
    const context = emptyLedger({ '/': { maxEffects: 0 } });
    const full: StoreSnapshot<BudgetLedgerState> = {
      status: 'active',
      output: undefined,
      error: undefined,
      context,
    };
    const [same, effects] = budgetLedger.transition(full, reserve('t', '/x'));

    expect(same).toBe(full);
    expect(effects).toEqual([
      {
        type: 'refused',
        path: '/',
        dimension: 'maxEffects',
        reason: 'maxEffects at /: 0 used, 0 reserved, limit 0 (1 requested)',
      },
    ]);
  });

  it('its own context is an empty ledger: it is a set of rules, not a place to keep state', () => {
    expect(budgetLedger.getSnapshot().context).toEqual(emptyLedger());
  });
});

describe('budgetRoom', () => {
  it('gives the room per set limit at each level, and the first exhausted one', () => {
    const ledger = accepted(
      emptyLedger({ '/': { maxEffects: 5, maxCost: 10 }, '/r': { maxEffects: 1 }, '/w': {} }),
      reserve('t1', '/r', of(1, 0, 4)),
    );

    expect(budgetRoom(ledger, '/r/x')).toEqual({
      exhausted: { path: '/r', dimension: 'maxEffects' },
      levels: [
        { path: '/', remaining: { maxEffects: 4, maxCost: 6 } },
        { path: '/r', remaining: { maxEffects: 0 } },
      ],
    });
    expect(budgetRoom(ledger, '/w')).toEqual({
      exhausted: null,
      levels: [
        { path: '/', remaining: { maxEffects: 4, maxCost: 6 } },
        { path: '/w', remaining: {} },
      ],
    });
  });

  it('time or cost at or below zero is exhausted, and an overrun shows as negative', () => {
    let ledger = emptyLedger({ '/': { maxEffectTimeMs: 100 } });
    ledger = accepted(ledger, reserve('t1', '/', of(1, 50, 0)), settle('t1', 130, 0));

    expect(budgetRoom(ledger, '/a')).toEqual({
      exhausted: { path: '/', dimension: 'maxEffectTimeMs' },
      levels: [{ path: '/', remaining: { maxEffectTimeMs: -30 } }],
    });
  });
});
