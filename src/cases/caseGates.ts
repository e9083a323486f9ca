import { budgetRoom, ledgerLevelsFor } from '../../machines/budgetLedger.js';
import type {
  ApprovalPoint,
  BudgetLedgerState,
  CasePath,
  CasePolicyRef,
  CaseStatus,
  PolicyBody,
} from '../../machines/caseTypes.js';
import { allowedTools, approvalPointFor } from './policy.js';

/** What the case gates judge a call against: the case's state, policy and ledger. */
export interface CaseSnapshot {
  caseId: string;
  status: CaseStatus;
  policyRef: CasePolicyRef;
  policy: PolicyBody;
  ledger: BudgetLedgerState;
}

/** The case gates' verdict: pass (perhaps into a mandatory approval), or the refusal. */
export type CaseGate =
  | { ok: true; approvalPoint: ApprovalPoint | null }
  | {
      ok: false;
      outcome: 'case_closed' | 'allowlist_violation' | 'budget_exceeded';
      reason: string;
    };

/** What a policy says of one path: the tools allowed there, and the approval point per tool. */
interface PathView {
  allowed: ReadonlySet<string> | null;
  /** The budgeted levels that apply, from '/' down (a case's levels are its policy's budgets). */
  levels: readonly CasePath[];
  points: Map<string, ApprovalPoint | null>;
}

// Policy bodies are immutable and cached by hash, so what they say of a path is worked out
// once per (body, path): the allowlist chain and the point lookup cost more than the rest
// of the gates together. Bounded per body; a body no longer referenced takes its views along.
const views = new WeakMap<PolicyBody, Map<CasePath, PathView>>();
const MAX_VIEWS = 1_000;

function viewOf(kase: CaseSnapshot, path: CasePath, toolName: string) {
  const { policy } = kase;
  let byPath = views.get(policy);
  if (!byPath) views.set(policy, (byPath = new Map()));
  let view = byPath.get(path);
  if (!view) {
    if (byPath.size >= MAX_VIEWS) byPath.clear();
    const levels = ledgerLevelsFor(kase.ledger, path);
    view = { allowed: allowedTools(policy, path), levels, points: new Map() };
    byPath.set(path, view);
  }
  let point = view.points.get(toolName);
  if (point === undefined) {
    point = approvalPointFor(policy, toolName, path);
    view.points.set(toolName, point);
  }
  return { allowed: view.allowed, levels: view.levels, point };
}

/**
 * Gates 4 and 5 for a call in a case, pure: a closed case refuses everything; then the
 * allowlist of the call's path (inherited by intersection); then the budget at every level
 * from `'/'` down to the path — no room for one more effect, or not for this call's cost.
 * A call that passes may still be routed to approval by a mandatory approval point.
 */
export function checkCaseGates(
  kase: CaseSnapshot,
  toolName: string,
  path: CasePath,
  cost: number,
): CaseGate {
  if (kase.status !== 'open') {
    return { ok: false, outcome: 'case_closed', reason: `case is ${kase.status}` };
  }
  const { allowed, levels, point } = viewOf(kase, path, toolName);
  if (allowed && !allowed.has(toolName)) {
    return {
      ok: false,
      outcome: 'allowlist_violation',
      reason: `${toolName} is not allowed at ${path}`,
    };
  }
  const room = budgetRoom(kase.ledger, path, levels);
  if (room.exhausted) {
    const { dimension, path: level } = room.exhausted;
    return { ok: false, outcome: 'budget_exceeded', reason: `no ${dimension} left at ${level}` };
  }
  const short = room.levels.find(
    (l) => l.remaining.maxCost !== undefined && l.remaining.maxCost < cost,
  );
  if (short) {
    return {
      ok: false,
      outcome: 'budget_exceeded',
      reason: `cost ${cost} exceeds the ${short.remaining.maxCost} left at ${short.path}`,
    };
  }
  return { ok: true, approvalPoint: point };
}
