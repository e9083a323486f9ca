import { budgetRoom } from '../../machines/budgetLedger.js';
import type { BudgetAmount, CaseEvent, GovernanceReceipt } from '../../machines/caseTypes.js';
import type { LaneFailure } from '../../machines/laneTypes.js';
import type { CaseWrite } from '../../persistence/case.repository.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import type { LaneRow } from '../../persistence/rows.js';
import type { AuditKeys } from '../audit/signing.js';
import type { ToolDefinition } from '../tools/defineTool.js';
import type { CaseRecord } from './caseStore.js';
import { transitionCase } from './caseTransition.js';
import { executionDeadlineMs } from './policy.js';

/** What a lane write in a case charges: the hold a claim takes, the time a finished run used. */
export interface CaseCharge {
  /** The hold a claim reserves, from the case as read in the same attempt. */
  amountOf?: (record: CaseRecord) => BudgetAmount;
  /** Measured run time (monotonic clock) of the run this write ends. */
  usedMs?: number;
  /** Further case events the lane's write brings (an approval-timeout action's receipt). */
  caseEvents?: (record: CaseRecord) => CaseEvent[];
}

/** The case's side of a lane write: its write, the hold taken, or why the run may not start. */
export interface CasePlan {
  write: CaseWrite | null;
  /** The case as it is once the write commits. */
  next: CaseRecord | null;
  reserved: BudgetAmount | null;
  refusal: LaneFailure | null;
}

const claims = (before: LaneRow, after: LaneRow) =>
  after.executionState === 'running' && after.attempt > before.attempt;
const leavesRun = (before: LaneRow, after: LaneRow) =>
  before.executionState === 'running' &&
  (after.executionState !== 'running' || claims(before, after));

/** Whether a lane's transition from `found` to `after` charges (or records on) its case. */
export const chargesCase = (found: LaneWithProposal, after: LaneRow, charge: CaseCharge) =>
  found.caseId !== null &&
  (claims(found.lane, after) || leavesRun(found.lane, after) || charge.caseEvents !== undefined);

/**
 * The hold a run of `tool` takes in a case: one effect, its cost, and its deadline — the
 * least of the tool's timeout, the policy's `executionMs`, the time budget left at every
 * level and the time left before the case's deadline; at least 1 ms, so a spent time budget
 * refuses the reservation rather than starting a run with no time.
 */
export function runHold(
  record: CaseRecord,
  tool: ToolDefinition,
  cost: number,
  path: string,
  now: Date,
): BudgetAmount {
  const room = budgetRoom(record.context.ledger, path);
  const timeLeft = [
    ...room.levels.map((l) => l.remaining.maxEffectTimeMs ?? Infinity),
    record.context.deadline ? Date.parse(record.context.deadline) - now.getTime() : Infinity,
  ];
  const least = Math.min(...timeLeft);
  const ms = executionDeadlineMs(
    record.policy,
    tool.timeoutMs,
    Number.isFinite(least) ? least : null,
  );
  return { effects: 1, cost, timeMs: Math.max(1, Math.floor(ms)) };
}

/**
 * What a lane's transition from `found` to `after` means for its case, as `record` holds it
 * (null: it could not be read): a claim reserves its hold, a run that ends (or is
 * interrupted) settles it — with the measured time, or, when nobody measured it (a lost
 * process), the whole hold. Nothing else touches the budget. A case that cannot be read
 * refuses a claim (fail closed) and is left alone otherwise.
 */
export function planCaseCharge(
  found: LaneWithProposal,
  after: LaneRow,
  charge: CaseCharge,
  at: string,
  record: CaseRecord | null,
  keys: AuditKeys,
): CasePlan | null {
  const before = found.lane;
  const claim = claims(before, after);
  if (!found.caseId || !chargesCase(found, after, charge)) return null;
  if (!record) {
    if (!claim) return null;
    const failure = {
      code: 'case_unavailable',
      message: 'the case could not be read; the run may not start',
    };
    return { write: null, next: null, reserved: null, refusal: failure };
  }
  const taskId = before.id;
  const events: CaseEvent[] = [];
  if (leavesRun(before, after)) {
    const held = record.context.ledger.reservations[taskId];
    const usedMs =
      charge.usedMs === undefined ? (held?.amount.timeMs ?? 0) : Math.ceil(charge.usedMs);
    events.push({
      type: 'SETTLE',
      taskId,
      used: { timeMs: usedMs, cost: held?.amount.cost ?? 0 },
      at,
    });
  }
  const amount = claim ? charge.amountOf?.(record) : undefined;
  if (claim && !amount) throw new Error('a claim in a case needs the hold it reserves');
  if (amount) {
    const path = found.casePath ?? '/';
    events.push({ type: 'RESERVE', taskId, path, amount, at });
  }
  events.push(...(charge.caseEvents?.(record) ?? []));
  if (events.length === 0) return null;
  const transition = transitionCase(record.row, events, keys);
  if (!transition.write) {
    // Nothing to record: a repeat of a hold the task already has, or nothing to settle.
    const held = amount ? record.context.ledger.reservations[taskId] : undefined;
    const plan = { write: null, next: record };
    if (!amount || held) return { ...plan, reserved: held?.amount ?? null, refusal: null };
    return {
      ...plan,
      reserved: null,
      refusal: { code: 'budget_exceeded', message: 'no hold was taken' },
    };
  }
  const plan = {
    write: transition.write,
    next: { row: transition.write.row, context: transition.state.context, policy: record.policy },
  };
  if (!amount) return { ...plan, reserved: null, refusal: null };
  const held = transition.state.context.ledger.reservations[taskId];
  if (held) return { ...plan, reserved: held.amount, refusal: null };
  const receipt = transition.effects
    .map((e) =>
      e.type === 'audit' ? (e.data.receipt as GovernanceReceipt | undefined) : undefined,
    )
    .find((r) => r !== undefined);
  const refusal = {
    code: receipt?.errorType ?? 'budget_exceeded',
    message: receipt?.detail ?? 'the case refused the reservation',
  };
  return { ...plan, reserved: null, refusal };
}
