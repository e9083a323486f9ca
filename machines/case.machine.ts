import { assign, emit, not, setup } from 'xstate';
import { applyLedger, emptyLedger, holdsReservation, isBudgetAmount } from './budgetLedger.js';
import { isCasePath } from './casePath.js';
import type { LedgerEvent } from './budgetLedger.js';
import type {
  CaseContext,
  CaseEffect,
  CaseEvent,
  CaseInput,
  CaseRefusal,
  CaseStatus,
  GovernanceReceipt,
} from './caseTypes.js';

/** Stored with every snapshot; a snapshot of another id is refused. */
export const CASE_MACHINE_ID = 'countersign.case';
/** Bump with a registered snapshot migration whenever states or context change shape. */
export const CASE_MACHINE_VERSION = 1;

type Ev<T extends CaseEvent['type']> = Extract<CaseEvent, { type: T }>;
type ClosedStatus = Exclude<CaseStatus, 'open'>;
type Closing = 'case_completed' | 'case_cancelled' | 'case_timed_out';

const actorOf = (e: CaseEvent) => ('actorId' in e ? e.actorId : 'system:case');
const isCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
const taskOf = (e: CaseEvent) => (e as Ev<'RESERVE' | 'SETTLE' | 'RELEASE'>).taskId;

/** The ledger event a budget event stands for. */
function ledgerEventOf(event: CaseEvent): LedgerEvent {
  switch (event.type) {
    case 'RESERVE':
      return { type: 'reserve', taskId: event.taskId, path: event.path, amount: event.amount };
    case 'SETTLE':
      return { type: 'settle', taskId: event.taskId, used: event.used };
    case 'RELEASE':
      return { type: 'release', taskId: event.taskId };
    default:
      throw new TypeError(`${event.type} is not a budget event`);
  }
}

/** Why the ledger refuses a RESERVE, or null if it fits. */
const refusalOf = (context: CaseContext, event: CaseEvent) =>
  applyLedger(context.ledger, ledgerEventOf(event)).refused;

/** A receipt about the RESERVE being handled. */
function reserveReceipt(
  event: CaseEvent,
  errorType: GovernanceReceipt['errorType'],
  detail: string,
): GovernanceReceipt {
  const { path, taskId, at } = event as Ev<'RESERVE'>;
  return { errorType, scope: path, taskId, detail, timestamp: at };
}

const timeoutReceipt = (context: CaseContext): GovernanceReceipt => ({
  errorType: 'timeout',
  scope: '/',
  taskId: null,
  detail: context.closed!.reason!,
  timestamp: context.closed!.at,
});

const refusal = (error: CaseRefusal, reason: string) =>
  ({ type: 'refuse', params: { error, reason } }) as const;

/**
 * The first checks of a RESERVE in any state: malformed is refused; a task that already
 * holds a reservation is a repeat and changes nothing.
 */
const reserveChecks = [
  { guard: not('isWellFormedReserve'), actions: refusal('invalid_event', 'invalid_reservation') },
  { guard: 'holdsReservation' },
] as const;

/** A closed state: it keeps the books (see the root `on`) but takes no new work. */
const closedState = (status: ClosedStatus) =>
  ({
    on: {
      COMPLETE: { actions: refusal('case_closed', `case_${status}`) },
      CANCEL: { actions: refusal('case_closed', `case_${status}`) },
      TIME_OUT: { actions: refusal('case_closed', `case_${status}`) },
      RESERVE: [...reserveChecks, { actions: { type: 'auditClosedReceipt', params: { status } } }],
    },
  }) as const;

/**
 * One governed case: its budget ledger and whether it is still open. Pure: effects are
 * emitted (`audit`, `refused`) for the runtime to perform, and time arrives on each event as
 * `at`; the deadline is kept by the sweep, which sends TIME_OUT, never by an `after` timer.
 *
 * The audit rule: every fact an event records emits exactly one `audit` effect, so most
 * accepted events emit one, and a RESERVE that exhausts a budget under `cancel` emits two
 * (the receipt, then the cancellation). An accepted event that records nothing emits
 * nothing: a repeated RESERVE of a task that already holds a reservation, and a SETTLE or
 * RELEASE of a task that holds none (so a retried settle never charges twice). A refused
 * event emits exactly one `refused` effect and changes nothing.
 *
 * | from    | event                      | guards, in order (refusal)                                  | to        | audit                                  |
 * | ------- | -------------------------- | ----------------------------------------------------------- | --------- | -------------------------------------- |
 * | (start) | —                          | —                                                           | open      | case_created                           |
 * | open    | COMPLETE                   | —                                                           | completed | case_completed                         |
 * | open    | CANCEL                     | hasReason (reason_required)                                 | cancelled | case_cancelled                         |
 * | open    | TIME_OUT                   | hasDeadline (no_deadline), isPastDeadline (before_deadline) | timed_out | case_timed_out, with a timeout receipt |
 * | open    | RESERVE                    | reserve checks¹, fitsBudget                                 | open      | budget_reserved                        |
 * | open    | RESERVE                    | reserve checks¹, not fitsBudget, cancelsOnExhaustion        | cancelled | governance_receipt, case_cancelled     |
 * | open    | RESERVE                    | reserve checks¹, not fitsBudget                             | open      | governance_receipt (budget_exceeded)   |
 * | closed  | RESERVE                    | reserve checks¹                                             | (stays)   | governance_receipt (case_closed)       |
 * | closed  | COMPLETE, CANCEL, TIME_OUT | — (case_<status>)                                           | (stays)   | —                                      |
 * | any     | SETTLE                     | isWellFormedSettle (invalid_usage), holdsReservation²       | (stays)   | budget_settled                         |
 * | any     | RELEASE                    | holdsReservation²                                           | (stays)   | budget_released                        |
 * | any     | RECORD_RECEIPT             | —                                                           | (stays)   | governance_receipt                     |
 *
 * Refusals: reason_required, invalid_reservation and invalid_usage are `invalid_event`;
 * no_deadline and before_deadline are `not_due`; case_<status> is `case_closed`.
 * ¹ isWellFormedReserve (invalid_reservation), then holdsReservation: a repeat, no change.
 * ² A task without a reservation: no change, nothing emitted.
 *
 * closed = completed, cancelled, timed_out. They are not `final`: a finished actor takes no
 * events, yet executions started before the case closed must still settle, and refusals
 * about the closed case must still be recorded on it. The case never leaves them.
 */
export const caseMachine = setup({
  types: {
    context: {} as CaseContext,
    events: {} as CaseEvent,
    input: {} as CaseInput,
    emitted: {} as CaseEffect,
  },
  guards: {
    hasReason: ({ event }) =>
      'reason' in event && typeof event.reason === 'string' && event.reason.trim() !== '',
    hasDeadline: ({ context }) => context.deadline !== null,
    // Written as "not before" so an unreadable time fails closed (NaN compares false).
    isPastDeadline: ({ context, event }) =>
      context.deadline !== null && !(Date.parse(event.at) < Date.parse(context.deadline)),
    isWellFormedReserve: ({ event }) => {
      const { taskId, path, amount } = event as Ev<'RESERVE'>;
      return (
        typeof taskId === 'string' && taskId !== '' && isCasePath(path) && isBudgetAmount(amount)
      );
    },
    isWellFormedSettle: ({ event }) => {
      const { used } = event as Ev<'SETTLE'>;
      return (
        typeof used === 'object' && used !== null && isCount(used.timeMs) && isCount(used.cost)
      );
    },
    holdsReservation: ({ context, event }) => holdsReservation(context.ledger, taskOf(event)),
    fitsBudget: ({ context, event }) => refusalOf(context, event) === null,
    cancelsOnExhaustion: ({ context }) => context.onBudgetExhausted === 'cancel',
  },
  actions: {
    refuse: emit((_, params: { error: CaseRefusal; reason: string }) => ({
      type: 'refused' as const,
      ...params,
    })),
    auditCreation: emit(({ context }) => ({
      type: 'audit' as const,
      event: 'case_created',
      actorId: context.createdBy,
      at: context.createdAt,
      data: {
        policy: context.policy,
        deadline: context.deadline,
        budgets: Object.fromEntries(
          Object.entries(context.ledger.levels).map(([path, level]) => [path, level.limit]),
        ),
        onBudgetExhausted: context.onBudgetExhausted,
      },
    })),
    closeByActor: assign({
      closed: ({ event }) => ({
        by: actorOf(event),
        at: event.at,
        reason: 'reason' in event ? event.reason : null,
      }),
    }),
    closeByTimeout: assign({
      closed: ({ context, event }) => ({
        by: 'system:timeout',
        at: event.at,
        reason: `case deadline ${String(context.deadline)} passed`,
      }),
    }),
    closeByBudget: assign({
      closed: ({ context, event }) => ({
        by: 'system:budget',
        at: event.at,
        reason: refusalOf(context, event)!.reason,
      }),
    }),
    auditClosure: emit(({ context }, params: { event: Closing }) => ({
      type: 'audit' as const,
      event: params.event,
      actorId: context.closed!.by,
      at: context.closed!.at,
      data:
        params.event === 'case_timed_out'
          ? {
              reason: context.closed!.reason,
              deadline: context.deadline,
              receipt: timeoutReceipt(context),
            }
          : { reason: context.closed!.reason },
    })),
    applyToLedger: assign({
      ledger: ({ context, event }) => applyLedger(context.ledger, ledgerEventOf(event)).ledger,
    }),
    // Runs after the reservation is recorded, so it can name the levels it was charged at.
    auditReservation: emit(({ context, event }) => {
      const { taskId, path, amount, at } = event as Ev<'RESERVE'>;
      const { paths } = context.ledger.reservations[taskId]!;
      return {
        type: 'audit' as const,
        event: 'budget_reserved',
        actorId: actorOf(event),
        at,
        data: { taskId, path, amount, paths },
      };
    }),
    // Runs before the hold is dropped, so it can say what was held.
    auditSettlement: emit(
      ({ context, event }, params: { event: 'budget_settled' | 'budget_released' }) => {
        const taskId = taskOf(event);
        const { paths, amount } = context.ledger.reservations[taskId]!;
        const used =
          event.type === 'SETTLE' ? { effects: amount.effects, ...event.used } : undefined;
        return {
          type: 'audit' as const,
          event: params.event,
          actorId: actorOf(event),
          at: event.at,
          data: { taskId, paths, reserved: amount, ...(used ? { used } : {}) },
        };
      },
    ),
    auditBudgetReceipt: emit(({ context, event }) => ({
      type: 'audit' as const,
      event: 'governance_receipt',
      actorId: actorOf(event),
      at: event.at,
      data: {
        receipt: reserveReceipt(event, 'budget_exceeded', refusalOf(context, event)!.reason),
      },
    })),
    auditClosedReceipt: emit(({ event }, params: { status: ClosedStatus }) => ({
      type: 'audit' as const,
      event: 'governance_receipt',
      actorId: actorOf(event),
      at: event.at,
      data: { receipt: reserveReceipt(event, 'case_closed', `case is ${params.status}`) },
    })),
    auditReceipt: emit(({ event }) => ({
      type: 'audit' as const,
      event: 'governance_receipt',
      actorId: actorOf(event),
      at: event.at,
      data: { receipt: (event as Ev<'RECORD_RECEIPT'>).receipt },
    })),
  },
}).createMachine({
  id: 'case',
  version: String(CASE_MACHINE_VERSION),
  context: ({ input }) => ({
    caseId: input.caseId,
    policy: input.policy,
    createdBy: input.createdBy,
    createdAt: input.at,
    deadline: input.deadline,
    onBudgetExhausted: input.onBudgetExhausted,
    ledger: emptyLedger(input.budgets),
    closed: null,
  }),
  // Root entry runs once, when the case is created; a restored actor does not rerun it.
  entry: 'auditCreation',
  initial: 'open',
  // The books are kept in every state: executions that started before the case closed
  // still settle or release, and receipts are still recorded.
  on: {
    SETTLE: [
      { guard: not('isWellFormedSettle'), actions: refusal('invalid_event', 'invalid_usage') },
      {
        guard: 'holdsReservation',
        actions: [
          { type: 'auditSettlement', params: { event: 'budget_settled' } },
          'applyToLedger',
        ],
      },
    ],
    RELEASE: {
      guard: 'holdsReservation',
      actions: [{ type: 'auditSettlement', params: { event: 'budget_released' } }, 'applyToLedger'],
    },
    RECORD_RECEIPT: { actions: 'auditReceipt' },
  },
  states: {
    open: {
      on: {
        COMPLETE: {
          target: 'completed',
          actions: ['closeByActor', { type: 'auditClosure', params: { event: 'case_completed' } }],
        },
        CANCEL: [
          { guard: not('hasReason'), actions: refusal('invalid_event', 'reason_required') },
          {
            target: 'cancelled',
            actions: [
              'closeByActor',
              { type: 'auditClosure', params: { event: 'case_cancelled' } },
            ],
          },
        ],
        TIME_OUT: [
          { guard: not('hasDeadline'), actions: refusal('not_due', 'no_deadline') },
          { guard: not('isPastDeadline'), actions: refusal('not_due', 'before_deadline') },
          {
            target: 'timed_out',
            actions: [
              'closeByTimeout',
              { type: 'auditClosure', params: { event: 'case_timed_out' } },
            ],
          },
        ],
        RESERVE: [
          ...reserveChecks,
          { guard: 'fitsBudget', actions: ['applyToLedger', 'auditReservation'] },
          {
            guard: 'cancelsOnExhaustion',
            target: 'cancelled',
            actions: [
              'auditBudgetReceipt',
              'closeByBudget',
              { type: 'auditClosure', params: { event: 'case_cancelled' } },
            ],
          },
          { actions: 'auditBudgetReceipt' },
        ],
      },
    },
    completed: closedState('completed'),
    cancelled: closedState('cancelled'),
    timed_out: closedState('timed_out'),
  },
});
