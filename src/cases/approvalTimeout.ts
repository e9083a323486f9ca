import type { CaseEvent, GovernanceReceipt } from '../../machines/caseTypes.js';
import type { LaneEvent } from '../../machines/laneTypes.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import type { CaseCharge } from './laneCharges.js';
import { approvalDefaultDecision, approvalPointFor, approvalTimeoutAction } from './policy.js';

/** What a lane's deadline does: its events, the case's side, and a lane to open after. */
export interface DeadlinePlan {
  events: LaneEvent[];
  charge?: CaseCharge;
  /** An escalation: the lane to open once the escalated one is written. */
  escalate?: { approverRole: string; ttlSeconds: number; depth: number };
}

/** How many escalations came before the lane (0 for a proposal's first). */
export const depthOf = (found: LaneWithProposal): number => {
  const context = (found.lane.snapshot.context ?? {}) as { escalationDepth?: unknown };
  return typeof context.escalationDepth === 'number' ? context.escalationDepth : 0;
};

/**
 * What happens when nobody decided a lane in time. Outside a case, or in a case that is
 * closed (or cannot be read), the lane expires. In an open case, its policy's action for the
 * call (the matching approval point's, else the policy's):
 * - `cancel`: the lane expires and the case is cancelled by `system:approval_timeout`;
 * - `default`: the lane is decided by `system:default` with the policy's default decision;
 * - `escalate`: the lane ends `escalated` and a lane opens for the escalation role, until
 *   `maxDepth` escalations, after which the final action (`cancel` or `reject`) applies.
 * Each action leaves a receipt on the case, written in the lane's statement.
 */
export async function deadlinePlan(
  rt: GovernanceRuntime,
  found: LaneWithProposal,
  now: Date,
): Promise<DeadlinePlan> {
  const at = now.toISOString();
  const expire: LaneEvent = { type: 'EXPIRE', actorId: 'system', at };
  if (!found.caseId) return { events: [expire] };
  const record = await rt.cases.read(found.caseId).catch(() => null);
  if (!record || record.row.status !== 'open') return { events: [expire] };
  const { policy } = record;
  const path = found.casePath ?? '/';
  const receipt = (errorType: GovernanceReceipt['errorType'], detail: string): CaseEvent => ({
    type: 'RECORD_RECEIPT',
    receipt: { errorType, scope: path, taskId: found.lane.id, detail, timestamp: at },
    at,
  });
  const withCase = (events: LaneEvent[], caseEvents: CaseEvent[]): DeadlinePlan => ({
    events,
    charge: { caseEvents: () => caseEvents },
  });

  const action = approvalTimeoutAction(policy, approvalPointFor(policy, found.toolName, path));
  const escalation = policy.timeouts?.escalation;
  const depth = depthOf(found);
  if (action === 'escalate' && escalation && depth < escalation.maxDepth) {
    const detail = `nobody decided in time; escalated to ${escalation.approverRole} (${depth + 1} of ${escalation.maxDepth})`;
    return {
      ...withCase(
        [{ type: 'ESCALATE', actorId: 'system:escalation', at }],
        [receipt('escalated', detail)],
      ),
      escalate: {
        approverRole: escalation.approverRole,
        ttlSeconds: escalation.ttlSeconds,
        depth: depth + 1,
      },
    };
  }
  const final = action === 'escalate' ? (escalation?.finalAction ?? 'cancel') : action;
  if (final === 'cancel') {
    const reason = `approval of ${found.toolName} timed out; the policy cancels the case`;
    return withCase(
      [expire],
      [
        receipt('cancelled', reason),
        { type: 'CANCEL', actorId: 'system:approval_timeout', reason, at },
      ],
    );
  }
  const decision = final === 'reject' ? 'reject' : approvalDefaultDecision(policy);
  return withCase(
    [{ type: 'DEFAULT_DECISION', decision, at }],
    [receipt('default_decision', `nobody decided in time; system:default decided ${decision}`)],
  );
}
