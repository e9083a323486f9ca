import type { EntityManager } from '@mikro-orm/postgresql';
import type { ActorTable } from './actorWrite.js';
import { outcomeLaneStatuses } from '../machines/laneTypes.js';
import { findByIds, isUuid } from './batchSlots.js';
import { laneColumns, toLaneRow } from './rowColumns.js';
import { runStatement } from './statement.js';
import { chainJson, toEventRow } from './event.repository.js';
import type { AuditHead, EventRow, LaneRow, StoredJson } from './rows.js';

/** The channel a lane's commit into an outcome status notifies, with its proposal id. */
export const OUTCOME_CHANNEL = 'countersign_outcomes';

/** Lanes are persisted actors in `tool_approvals`, recorded in their proposal's chain. */
export const laneTable: ActorTable<LaneRow> = {
  table: 'tool_approvals',
  columns: laneColumns,
  chainKey: 'proposalId',
  eventKey: 'approval_id',
  // Waiters on a proposal's outcome (`awaitOutcome`) wake when its lane ends.
  notify: { channel: OUTCOME_CHANNEL, statuses: outcomeLaneStatuses },
};

/** A lane with what applying an event needs of its proposal, read in one round trip. */
export interface LaneWithProposal {
  lane: LaneRow;
  head: AuditHead;
  proposerId: string;
  toolName: string;
  toolVersion: string;
  riskTier: string;
  inputSnapshot: StoredJson;
  conversationId: string | null;
  caseId: string | null;
  /** In a case: the path and policy version hash the call was judged under. */
  casePath: string | null;
  casePolicyHash: string | null;
  /** In a case: a mandatory approval point routed the (auto) tool's call to approval. */
  routedToApproval: boolean;
}

/** The select every read of a {@link LaneWithProposal} starts from (lane alias `a`). */
export const LANE_WITH_PROPOSAL = `select a.*, p.audit_seq, p.audit_head, p.actor_id as proposer_id,
    p.tool_name, p.tool_version, p.risk_tier, p.input_snapshot, p.conversation_id, p.case_id,
    p.actor_snapshot->>'casePath' as case_path,
    p.actor_snapshot->'casePolicy'->>'hash' as case_policy_hash,
    p.actor_snapshot->'approvalPoint' is not null as routed_to_approval
  from tool_approvals a join tool_proposals p on p.id = a.proposal_id`;

export function toLaneWithProposal(row: Record<string, unknown>): LaneWithProposal {
  return {
    lane: toLaneRow(row),
    head: { seq: row.audit_seq as number, hash: row.audit_head as string },
    proposerId: row.proposer_id as string,
    toolName: row.tool_name as string,
    toolVersion: row.tool_version as string,
    riskTier: row.risk_tier as string,
    inputSnapshot: row.input_snapshot as StoredJson,
    conversationId: (row.conversation_id as string | null) ?? null,
    caseId: (row.case_id as string | null) ?? null,
    casePath: (row.case_path as string | null) ?? null,
    casePolicyHash: (row.case_policy_hash as string | null) ?? null,
    routedToApproval: row.routed_to_approval === true,
  };
}

/** A lane about to run, with its proposal's whole audit chain: what authorises the run. */
export interface LaneForRun extends LaneWithProposal {
  chain: EventRow[];
}

/** Lanes with their proposals' part and chains, in one round trip; by lane id. */
export async function findLanesForRun(
  em: EntityManager,
  laneIds: readonly string[],
): Promise<Map<string, LaneForRun>> {
  const select = LANE_WITH_PROPOSAL.replace(
    'from tool_approvals a',
    `, ${chainJson('p.id')} as chain from tool_approvals a`,
  );
  const rows = await findByIds(em, select, 'a.id', laneIds);
  return new Map(
    [...rows].map(([id, row]) => [
      id,
      {
        ...toLaneWithProposal(row),
        chain: (row.chain as Record<string, unknown>[]).map(toEventRow),
      },
    ]),
  );
}

/** Lanes with their proposals' part, in one round trip; by lane id. */
export async function findLanesWithProposal(
  em: EntityManager,
  laneIds: readonly string[],
): Promise<Map<string, LaneWithProposal>> {
  const rows = await findByIds(em, LANE_WITH_PROPOSAL, 'a.id', laneIds);
  return new Map([...rows].map(([id, row]) => [id, toLaneWithProposal(row)]));
}

/** A proposal's lanes selected by `where` (lane alias `a`, `?` the proposal id), as rows. */
async function lanesOf(em: EntityManager, proposalId: string, where: string): Promise<LaneRow[]> {
  if (!isUuid(proposalId)) return [];
  const rows = await runStatement(
    em,
    `select a.* from tool_approvals a where a.proposal_id = ?::uuid ${where}`,
    [proposalId],
  );
  return rows.map(toLaneRow);
}

/** The proposal's pending lane, if any. */
export async function findPendingLane(
  em: EntityManager,
  proposalId: string,
): Promise<LaneRow | null> {
  return (await lanesOf(em, proposalId, `and a.status = 'pending'`))[0] ?? null;
}

/** The proposal's most recently written lane, any status. */
export async function findLatestLane(
  em: EntityManager,
  proposalId: string,
): Promise<LaneRow | null> {
  // The proposal's audit seq orders its lanes' writes strictly; timestamps can tie.
  const latest = `order by (select max(e.seq) from tool_action_events e where e.approval_id = a.id)
    desc nulls last limit 1`;
  return (await lanesOf(em, proposalId, latest))[0] ?? null;
}

/** Every lane of a proposal, oldest first. */
export function findLanesOfProposal(em: EntityManager, proposalId: string): Promise<LaneRow[]> {
  return lanesOf(em, proposalId, 'order by a.created_at, a.id');
}
