import type { LaneContext } from '../../machines/laneTypes.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import { callDigest } from '../audit/callDigest.js';
import { snapshotTool } from '../pipeline/validate.js';
import { costOf } from '../tools/defineTool.js';
import type { ToolDefinition } from '../tools/defineTool.js';

/**
 * The input a lane's call passes to its tool: the approver's edit its decision approved, or
 * the proposal's. Read from the row, so the worker checks its hash against the chain.
 */
export function inputToRun(found: LaneWithProposal): unknown {
  const context = found.lane.snapshot.context as unknown as Partial<LaneContext> | undefined;
  const edit = context?.edit;
  return edit && context.decision?.inputHash === edit.inputHash ? edit.input : found.inputSnapshot;
}

/**
 * The digest of the call a lane makes with `input` through the registered `tool`: the tool
 * as judged at the input's cost, the proposer, conversation, case, path and policy version.
 */
export function laneCallDigest(tool: ToolDefinition, found: LaneWithProposal, input: unknown) {
  // A cost function that fails now yields a cost no approval recorded: the run is refused.
  const cost = costOf(tool, input) ?? -1;
  const judged = snapshotTool(tool, cost);
  return callDigest({
    // A call an approval point routed to approval was judged (and approved) as one.
    tool: found.routedToApproval ? { ...judged, approvalMode: 'requires_approval' } : judged,
    input,
    proposerId: found.proposerId,
    conversationId: found.conversationId,
    caseId: found.caseId,
    casePath: found.casePath,
    policyVersionHash: found.casePolicyHash,
  });
}
