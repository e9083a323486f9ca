import type { Approval, Governance, LaneResult } from '../../../src/index.js';
import { approver, proposer } from './sideEffectTools.js';

/** Unwraps a successful lane result; fails loudly with the error otherwise. */
export function expectOk(result: LaneResult): Approval {
  if (!result.ok) throw new Error(`lane operation failed: ${JSON.stringify(result)}`);
  return result.approval;
}

/** Proposes `tool` with `{ tag }` and returns the proposal id. */
export async function proposeTagged(gov: Governance, tool: string, tag: string): Promise<string> {
  const proposed = await gov.propose(tool, proposer, { input: { tag } });
  if (!proposed.ok) throw new Error(`proposal of ${tool} blocked: ${JSON.stringify(proposed)}`);
  return proposed.proposal.id;
}

/** Proposes and opens a pending lane. */
export async function openLane(
  gov: Governance,
  tool: string,
  tag: string,
  options: { ttlSeconds?: number } = {},
): Promise<{ proposalId: string; laneId: string }> {
  const proposalId = await proposeTagged(gov, tool, tag);
  const lane = expectOk(await gov.requestApproval(proposalId, options));
  return { proposalId, laneId: lane.id };
}

/** Proposes, opens and approves a lane (the workers, if any, take it from there). */
export async function approvedLane(
  gov: Governance,
  tool: string,
  tag: string,
): Promise<{ proposalId: string; laneId: string }> {
  const opened = await openLane(gov, tool, tag);
  expectOk(await gov.approve(opened.laneId, approver));
  return opened;
}
