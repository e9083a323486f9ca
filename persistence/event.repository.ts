import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from './proposal.repository.js';
import type { EventRow, StoredJson } from './rows.js';
import { ToolActionEvent } from './toolActionEvent.entity.js';

type EventEntity = InferEntity<typeof ToolActionEvent>;

function toEventRow(e: EventEntity): EventRow {
  return {
    id: e.id,
    proposalId: e.proposalId,
    approvalId: e.approvalId ?? null,
    seq: e.seq,
    type: e.type,
    actorId: e.actorId,
    payload: e.payload as Record<string, StoredJson>,
    prevHash: e.prevHash,
    hash: e.hash,
    createdAt: e.createdAt.toISOString(),
  };
}

/** Events of the given proposals, each proposal's oldest first. */
export async function findEvents(em: EntityManager, proposalIds: string[]): Promise<EventRow[]> {
  const ids = proposalIds.filter(isUuid);
  if (ids.length === 0) return [];
  const found = await em.find(
    ToolActionEvent,
    { proposalId: { $in: ids } },
    { orderBy: { proposalId: 'asc', seq: 'asc' } },
  );
  return found.map(toEventRow);
}

/** A lane's events, oldest first. */
export async function findLaneEvents(em: EntityManager, laneId: string): Promise<EventRow[]> {
  if (!isUuid(laneId)) return [];
  const found = await em.find(ToolActionEvent, { approvalId: laneId }, { orderBy: { seq: 'asc' } });
  return found.map(toEventRow);
}
