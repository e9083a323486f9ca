import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from './batchSlots.js';
import { runStatement } from './statement.js';

/** One chain's head as a checkpoint recorded it. */
export interface LeafRow {
  proposalId: string;
  seq: number;
  hash: string;
}

/** A covered chain whose head is no longer what the checkpoint recorded. */
export interface MovedHead extends LeafRow {
  /** The proposal's head seq now; null when the proposal is gone. */
  headSeq: number | null;
  /** The hash of the event now at the recorded seq; null when there is none. */
  eventHash: string | null;
}

const toLeaf = (r: Record<string, unknown>): LeafRow => ({
  proposalId: r.proposal_id as string,
  seq: r.seq as number,
  hash: r.hash as string,
});

/**
 * Records every chain's head as the leaves of a new checkpoint, in one statement (so they
 * are one consistent moment), and returns them.
 */
export async function recordLeaves(em: EntityManager, checkpointId: string): Promise<LeafRow[]> {
  const rows = await runStatement(
    em,
    `insert into audit_checkpoint_leaves (checkpoint_id, proposal_id, seq, hash)
       select ?::uuid, id, audit_seq, audit_head from tool_proposals
     returning proposal_id, seq, hash`,
    [checkpointId],
    false,
  );
  return rows.map(toLeaf);
}

/** Stores the checkpoint's own row once its leaves are recorded. */
export async function insertCheckpoint(
  em: EntityManager,
  c: {
    id: string;
    createdAt: string;
    count: number;
    root: string;
    keyId: string;
    signature: string;
  },
): Promise<void> {
  await em.execute(
    `insert into audit_checkpoints (id, created_at, leaf_count, root, key_id, signature)
     values (?, ?, ?, ?, ?, ?)`,
    [c.id, c.createdAt, c.count, c.root, c.keyId, c.signature],
  );
}

/** A checkpoint's leaves, as recorded. */
export async function findLeaves(em: EntityManager, checkpointId: string): Promise<LeafRow[]> {
  if (!isUuid(checkpointId)) return [];
  const rows = await runStatement(
    em,
    'select proposal_id, seq, hash from audit_checkpoint_leaves where checkpoint_id = ?::uuid',
    [checkpointId],
  );
  return rows.map(toLeaf);
}

/**
 * The covered chains whose recorded head is gone: the proposal removed, its head rewound
 * before the recorded seq, or another event (a re-hash, an insertion) at that seq.
 */
export async function findMovedHeads(
  em: EntityManager,
  checkpointId: string,
): Promise<MovedHead[]> {
  if (!isUuid(checkpointId)) return [];
  const rows = await em.execute(
    `select l.proposal_id, l.seq, l.hash, p.audit_seq as head_seq, e.hash as event_hash
       from audit_checkpoint_leaves l
       left join tool_proposals p on p.id = l.proposal_id
       left join tool_action_events e on e.proposal_id = l.proposal_id and e.seq = l.seq
      where l.checkpoint_id = ?
        and (p.id is null or p.audit_seq < l.seq or e.hash is distinct from l.hash)
      order by l.proposal_id`,
    [checkpointId],
  );
  return rows.map((r) => ({
    ...toLeaf(r),
    headSeq: (r.head_seq as number | null) ?? null,
    eventHash: (r.event_hash as string | null) ?? null,
  }));
}
