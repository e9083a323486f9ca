import { defineEntity, p } from '@mikro-orm/core';

/**
 * A signed checkpoint over every chain's head at one moment: the Merkle root of its leaves,
 * their count and the time. The host keeps the signed statement outside the database; this
 * row and its leaves are what inclusion proofs are computed from.
 */
export const AuditCheckpoint = defineEntity({
  name: 'AuditCheckpoint',
  tableName: 'audit_checkpoints',
  properties: {
    id: p.uuid().primary(),
    createdAt: p.datetime(),
    leafCount: p.integer(),
    root: p.string().length(64),
    keyId: p.string().length(64),
    signature: p.text(),
  },
});

/** One chain's head as a checkpoint covers it. */
export const AuditCheckpointLeaf = defineEntity({
  name: 'AuditCheckpointLeaf',
  tableName: 'audit_checkpoint_leaves',
  properties: {
    checkpointId: p.uuid().primary(),
    proposalId: p.uuid().primary(),
    seq: p.integer(),
    hash: p.string().length(64),
  },
});
