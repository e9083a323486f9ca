import { findLatestLane, findPendingLane } from '../../persistence/lane.repository.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { toApproval } from './laneView.js';
import type { Approval } from './laneView.js';

/** The proposal's pending lane, or null. */
export async function getActiveApproval(
  rt: GovernanceRuntime,
  proposalId: string,
): Promise<Approval | null> {
  const row = await rt.withEm('getActiveApproval', (em) => findPendingLane(em, proposalId));
  return row ? toApproval(row) : null;
}

/** The proposal's most recently updated lane, any status, or null. */
export async function getLatestApproval(
  rt: GovernanceRuntime,
  proposalId: string,
): Promise<Approval | null> {
  const row = await rt.withEm('getLatestApproval', (em) => findLatestLane(em, proposalId));
  return row ? toApproval(row) : null;
}

/** A lane by its id, or null (an id that is not a UUID finds none). */
export async function getApproval(rt: GovernanceRuntime, laneId: string): Promise<Approval | null> {
  const found = await rt.laneStore.read(laneId);
  return found ? toApproval(found.lane) : null;
}
