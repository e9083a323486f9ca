import { budgetRoom } from '../../machines/budgetLedger.js';
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
  const allowed = allowedTools(kase.policy, path);
  if (allowed && !allowed.has(toolName)) {
    return {
      ok: false,
      outcome: 'allowlist_violation',
      reason: `${toolName} is not allowed at ${path}`,
    };
  }
  const room = budgetRoom(kase.ledger, path);
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
  return { ok: true, approvalPoint: approvalPointFor(kase.policy, toolName, path) };
}
