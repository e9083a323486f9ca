import { createStore } from '@xstate/store';
import { isCasePath } from './casePath.js';
import type { StoreSnapshot } from '@xstate/store';
import type {
  BudgetAmount,
  BudgetLedgerState,
  BudgetLimits,
  CasePath,
  LedgerLevel,
  Reservation,
} from './caseTypes.js';

/** A limit of a budget level, named as in {@link BudgetLimits}. */
export type BudgetDimension = keyof BudgetLimits;

/** What the ledger is asked to do; the case machine turns its budget events into these. */
export type LedgerEvent =
  | { type: 'reserve'; taskId: string; path: CasePath; amount: BudgetAmount }
  | { type: 'settle'; taskId: string; used: { timeMs: number; cost: number } }
  | { type: 'release'; taskId: string };

/** Why a reservation was refused: the first level (from `'/'` down) and limit with no room. */
export interface LedgerRefusal {
  reason: string;
  path: CasePath;
  dimension: BudgetDimension;
}

// Type aliases, not interfaces: the store's payload maps need an implicit index signature.
type LedgerPayloads = { [E in LedgerEvent as E['type']]: Omit<E, 'type'> };
type LedgerEmitted = { refused: LedgerRefusal };

// Each limit beside the amount field it bounds, in the order a refusal is looked for.
const dimensions = [
  ['maxEffects', 'effects'],
  ['maxEffectTimeMs', 'timeMs'],
  ['maxCost', 'cost'],
] as const satisfies readonly (readonly [BudgetDimension, keyof BudgetAmount])[];

const zero = (): BudgetAmount => ({ effects: 0, timeMs: 0, cost: 0 });
const plus = (a: BudgetAmount, b: BudgetAmount): BudgetAmount => ({
  effects: a.effects + b.effects,
  timeMs: a.timeMs + b.timeMs,
  cost: a.cost + b.cost,
});
const minus = (a: BudgetAmount, b: BudgetAmount): BudgetAmount => ({
  effects: a.effects - b.effects,
  timeMs: a.timeMs - b.timeMs,
  cost: a.cost - b.cost,
});

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * Whether `amount` is a budget amount: three non-negative integers.
 *
 * @example
 * isBudgetAmount({ effects: 1, timeMs: 0, cost: 0 }); // true
 */
export function isBudgetAmount(amount: unknown): amount is BudgetAmount {
  const a = amount as Partial<BudgetAmount> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    isCount(a.effects) &&
    isCount(a.timeMs) &&
    isCount(a.cost)
  );
}

/**
 * A ledger with a level per budgeted path, nothing used or reserved.
 *
 * @example
 * const ledger = emptyLedger({ '/': { maxEffects: 5 }, '/research': { maxEffects: 3 } });
 */
export function emptyLedger(budgets: Record<CasePath, BudgetLimits> = {}): BudgetLedgerState {
  const levels: Record<CasePath, LedgerLevel> = {};
  for (const [path, limit] of Object.entries(budgets)) {
    levels[path] = { limit: { ...limit }, used: zero(), reserved: zero() };
  }
  return { levels, reservations: {} };
}

// Own keys only: a task id such as "constructor" must not find Object.prototype's.
const reservationOf = (ledger: BudgetLedgerState, taskId: string): Reservation | null =>
  Object.hasOwn(ledger.reservations, taskId) ? ledger.reservations[taskId]! : null;

/**
 * Whether `taskId` holds a reservation in `ledger`.
 *
 * @example
 * if (!holdsReservation(context.ledger, laneId)) return; // nothing to settle
 */
export function holdsReservation(ledger: BudgetLedgerState, taskId: string): boolean {
  return reservationOf(ledger, taskId) !== null;
}

// The case machine refuses malformed events before they get here; reaching this is a bug,
// and an exception is better than a ledger that no longer adds up.
function assertWellFormed(ok: boolean, type: LedgerEvent['type'], taskId: string): void {
  if (!ok) throw new RangeError(`malformed ${type} for task "${taskId}"`);
}

const depth = (path: CasePath) => (path === '/' ? 0 : path.split('/').length - 1);

/**
 * The budgeted paths that apply to a call at `path`, from `'/'` down: `'/'` and every
 * ancestor-or-self by whole segments (`'/research'` applies to `'/research/web'`, not to
 * `'/researchers'`).
 *
 * @example
 * ledgerLevelsFor(emptyLedger({ '/': {}, '/research': {} }), '/research/web'); // ['/', '/research']
 */
export function ledgerLevelsFor(ledger: BudgetLedgerState, path: CasePath): CasePath[] {
  return Object.keys(ledger.levels)
    .filter((level) => level === '/' || level === path || path.startsWith(`${level}/`))
    .sort((a, b) => depth(a) - depth(b));
}

/** Drops a task's hold at each of its levels, charging `charge` to `used` there. */
function unreserve(
  ledger: BudgetLedgerState,
  taskId: string,
  charge: BudgetAmount,
): BudgetLedgerState {
  const reservation = reservationOf(ledger, taskId);
  if (reservation === null) return ledger;
  const levels = { ...ledger.levels };
  for (const path of reservation.paths) {
    const level = levels[path]!;
    levels[path] = {
      ...level,
      reserved: minus(level.reserved, reservation.amount),
      used: plus(level.used, charge),
    };
  }
  const { [taskId]: _settled, ...reservations } = ledger.reservations;
  return { levels, reservations };
}

/**
 * The budget rules of a case, as one pure store. Use it only through `transition` (or
 * {@link applyLedger}): its own context is an empty ledger and is never sent to.
 *
 * - `reserve` holds `amount` at every applicable level if, at each, every set limit keeps
 *   `used + reserved + amount <= limit`; otherwise nothing changes and `refused` names the
 *   first level and limit with no room. A task that already holds a reservation: no change.
 * - `settle` turns a task's hold into use: the reserved effects, the measured time and cost.
 * - `release` drops a task's hold, using nothing.
 * Settling or releasing a task with no reservation changes nothing (never charges twice).
 * A malformed path or amount throws a RangeError: callers check with {@link isCasePath} and
 * {@link isBudgetAmount} first, as the case machine's guards do.
 *
 * @example
 * const [next, effects] = budgetLedger.transition(snapshot, { type: 'release', taskId: 'lane-1' });
 */
export const budgetLedger = createStore<BudgetLedgerState, LedgerPayloads, LedgerEmitted>({
  context: emptyLedger(),
  on: {
    reserve: (ledger, { taskId, path, amount }, enqueue) => {
      assertWellFormed(isCasePath(path) && isBudgetAmount(amount), 'reserve', taskId);
      if (holdsReservation(ledger, taskId)) return ledger;
      const paths = ledgerLevelsFor(ledger, path);
      for (const at of paths) {
        const { limit, used, reserved } = ledger.levels[at]!;
        for (const [dimension, field] of dimensions) {
          const max = limit[dimension];
          if (max === undefined || used[field] + reserved[field] + amount[field] <= max) continue;
          const reason =
            `${dimension} at ${at}: ${used[field]} used, ${reserved[field]} reserved, ` +
            `limit ${max} (${amount[field]} requested)`;
          enqueue.emit.refused({ reason, path: at, dimension });
          return ledger;
        }
      }
      const levels = { ...ledger.levels };
      for (const at of paths) {
        levels[at] = { ...levels[at]!, reserved: plus(levels[at]!.reserved, amount) };
      }
      const reservation: Reservation = { paths, amount: { ...amount } };
      return { levels, reservations: { ...ledger.reservations, [taskId]: reservation } };
    },
    settle: (ledger, { taskId, used }) => {
      assertWellFormed(isCount(used.timeMs) && isCount(used.cost), 'settle', taskId);
      const reservation = reservationOf(ledger, taskId);
      if (reservation === null) return ledger;
      const charge = { effects: reservation.amount.effects, timeMs: used.timeMs, cost: used.cost };
      return unreserve(ledger, taskId, charge);
    },
    release: (ledger, { taskId }) => unreserve(ledger, taskId, zero()),
  },
});

/**
 * Applies one ledger event through {@link budgetLedger}'s rules: the next ledger, and the
 * refusal if a reservation did not fit (the ledger is then unchanged).
 *
 * @example
 * const { ledger, refused } = applyLedger(context.ledger, { type: 'reserve', taskId, path, amount });
 */
export function applyLedger(
  ledger: BudgetLedgerState,
  event: LedgerEvent,
): { ledger: BudgetLedgerState; refused: LedgerRefusal | null } {
  const snapshot: StoreSnapshot<BudgetLedgerState> = {
    status: 'active',
    output: undefined,
    error: undefined,
    context: ledger,
  };
  const [next, effects] = budgetLedger.transition(snapshot, event);
  let refused: LedgerRefusal | null = null;
  for (const effect of effects) {
    if (typeof effect !== 'function' && effect.type === 'refused') {
      refused = { reason: effect.reason, path: effect.path, dimension: effect.dimension };
    }
  }
  return { ledger: next.context, refused };
}

/** The room left at one level: `limit - used - reserved` per set limit. */
export interface LevelRoom {
  path: CasePath;
  /**
   * Per set limit; an absent key is unlimited. Time and cost can be negative: a settled run
   * is charged what it measured, which may exceed what it reserved.
   */
  remaining: Partial<Record<BudgetDimension, number>>;
}

/** The room a call at a path has, level by level, from `'/'` down. */
export interface BudgetRoom {
  /** The first level and limit with no room for one more effect; null if every level has some. */
  exhausted: { path: CasePath; dimension: BudgetDimension } | null;
  levels: LevelRoom[];
}

/**
 * The room left for a call at `path`, for a gate that refuses before anything is reserved.
 * `applicable` spares the level lookup for a caller that knows them (`ledgerLevelsFor`).
 * A level is exhausted when `maxEffects` has 0 left, or time or cost has `<= 0` left.
 *
 * @example
 * const { exhausted } = budgetRoom(context.ledger, '/research/web');
 * if (exhausted) refuse(`${exhausted.dimension} at ${exhausted.path}`);
 */
export function budgetRoom(
  ledger: BudgetLedgerState,
  path: CasePath,
  applicable: readonly CasePath[] = ledgerLevelsFor(ledger, path),
): BudgetRoom {
  let exhausted: BudgetRoom['exhausted'] = null;
  const levels = applicable.map((at): LevelRoom => {
    const { limit, used, reserved } = ledger.levels[at]!;
    const remaining: LevelRoom['remaining'] = {};
    for (const [dimension, field] of dimensions) {
      const max = limit[dimension];
      if (max === undefined) continue;
      remaining[dimension] = max - used[field] - reserved[field];
      if (exhausted === null && remaining[dimension] <= 0) exhausted = { path: at, dimension };
    }
    return { path: at, remaining };
  });
  return { exhausted, levels };
}
