import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  findLeaves,
  findMovedHeads,
  insertCheckpoint,
  recordLeaves,
} from '../../persistence/checkpoint.repository.js';
import type { LeafRow } from '../../persistence/checkpoint.repository.js';
import { canonicalJson } from '../canonicalJson.js';
import { ConfigurationError } from '../errors/configurationError.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { inclusionProof, merkleRoot } from './merkle.js';
import type { CheckpointCoverage } from './verifyTrail.js';

const FORMAT = 'countersign.checkpoint/1';

/** A signed statement over every chain's head at one moment; keep it outside the database. */
export interface AuditCheckpoint {
  format: typeof FORMAT;
  id: string;
  createdAt: string;
  /** Chains covered. */
  count: number;
  /** Merkle root over the chains' heads, ordered by proposal id. */
  root: string;
  keyId: string;
  signature: string;
}

const checkpointSchema = z.strictObject({
  format: z.literal(FORMAT),
  id: z.uuid(),
  createdAt: z.iso.datetime(),
  count: z.number().int().nonnegative(),
  root: z.string().regex(/^[0-9a-f]{64}$/),
  keyId: z.string().min(1).max(64),
  signature: z.string().min(1).max(512),
});

/** What `verifyAuditCheckpoint` found. */
export type CheckpointVerification =
  | { ok: true; chains: number }
  | {
      ok: false;
      problem: 'checkpoint_invalid' | 'bad_signature' | 'unknown_key' | 'rolled_back';
      detail: string;
      /** The covered chains whose recorded head is gone (for `rolled_back`). */
      chains: { proposalId: string; seq: number; detail: string }[];
    };

const statementOf = (c: Omit<AuditCheckpoint, 'keyId' | 'signature'>) =>
  canonicalJson({
    format: c.format,
    id: c.id,
    createdAt: c.createdAt,
    count: c.count,
    root: c.root,
  });

const byProposal = (a: LeafRow, b: LeafRow) =>
  a.proposalId < b.proposalId ? -1 : a.proposalId > b.proposalId ? 1 : 0;

/** Records every chain's head and signs their Merkle root; needs `audit.signingKey`. */
export async function createAuditCheckpoint(rt: GovernanceRuntime): Promise<AuditCheckpoint> {
  if (!rt.audit.anchored) {
    throw new ConfigurationError('createAuditCheckpoint needs audit.signingKey');
  }
  const id = randomUUID();
  const createdAt = rt.now().toISOString();
  const leaves = await rt.withEm('createAuditCheckpoint', (em) => recordLeaves(em, id));
  const unsigned = {
    format: FORMAT,
    id,
    createdAt,
    count: leaves.length,
    root: merkleRoot(leaves.sort(byProposal)),
  } as const;
  const signed = rt.audit.sign(statementOf(unsigned))!;
  const checkpoint: AuditCheckpoint = { ...unsigned, ...signed };
  await rt.withEm('createAuditCheckpoint', (em) => insertCheckpoint(em, checkpoint));
  return checkpoint;
}

type Checked =
  | { ok: true; checkpoint: AuditCheckpoint; leaves: LeafRow[] }
  | Extract<CheckpointVerification, { ok: false }>;

/** Parses the checkpoint, checks its signature and that the stored leaves give its root. */
async function checkedLeaves(rt: GovernanceRuntime, given: unknown): Promise<Checked> {
  const invalid = (
    problem: 'checkpoint_invalid' | 'bad_signature' | 'unknown_key',
    detail: string,
  ) => ({ ok: false as const, problem, detail, chains: [] });
  const parsed = checkpointSchema.safeParse(given);
  if (!parsed.success) return invalid('checkpoint_invalid', z.prettifyError(parsed.error));
  const checkpoint = parsed.data as AuditCheckpoint;
  const signature = rt.audit.check(statementOf(checkpoint), checkpoint.keyId, checkpoint.signature);
  if (signature === 'unknown_key')
    return invalid('unknown_key', `no verification key ${checkpoint.keyId} is configured`);
  if (signature !== 'valid')
    return invalid('bad_signature', 'the checkpoint is not signed by its key');
  const leaves = (
    await rt.withEm('verifyAuditCheckpoint', (em) => findLeaves(em, checkpoint.id))
  ).sort(byProposal);
  if (leaves.length !== checkpoint.count || merkleRoot(leaves) !== checkpoint.root)
    return invalid(
      'checkpoint_invalid',
      'the database no longer holds the heads this checkpoint signed',
    );
  return { ok: true, checkpoint, leaves };
}

/**
 * Checks a checkpoint against the database: its signature, the recorded heads against its
 * root, and that every covered chain still holds the head it recorded (no truncation,
 * rollback, re-hash or insertion before it). Each chain's rows are checked against that
 * head by `verifyAuditTrail(id, { checkpoint })`.
 */
export async function verifyAuditCheckpoint(
  rt: GovernanceRuntime,
  given: unknown,
): Promise<CheckpointVerification> {
  const checked = await checkedLeaves(rt, given);
  if (!checked.ok) return checked;
  const moved = await rt.withEm('verifyAuditCheckpoint', (em) =>
    findMovedHeads(em, checked.checkpoint.id),
  );
  if (moved.length === 0) return { ok: true, chains: checked.leaves.length };
  return {
    ok: false,
    problem: 'rolled_back',
    detail: `${moved.length} covered chain(s) no longer hold the head the checkpoint recorded`,
    chains: moved.map((m) => ({
      proposalId: m.proposalId,
      seq: m.seq,
      detail:
        m.headSeq === null
          ? 'the proposal is gone'
          : m.headSeq < m.seq
            ? `the head was rewound to ${m.headSeq}`
            : 'another event stands at the recorded head',
    })),
  };
}

/** A chain's place in a checkpoint: its recorded head and inclusion proof, or a problem. */
export async function coverageOf(
  rt: GovernanceRuntime,
  given: unknown,
  proposalId: string,
): Promise<
  | { ok: true; coverage: CheckpointCoverage; anchor: LeafRow | null }
  | Extract<CheckpointVerification, { ok: false }>
> {
  const checked = await checkedLeaves(rt, given);
  if (!checked.ok) return checked;
  const index = checked.leaves.findIndex((l) => l.proposalId === proposalId);
  const leaf = checked.leaves[index] ?? null;
  return {
    ok: true,
    anchor: leaf,
    coverage: {
      checkpointId: checked.checkpoint.id,
      covered: leaf !== null,
      seq: leaf?.seq ?? null,
      proof: leaf ? inclusionProof(checked.leaves, index) : [],
    },
  };
}
