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
import { inclusionProof, merkleLevels, merkleRoot } from './merkle.js';
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
  | { ok: true; checkpoint: AuditCheckpoint; tree: CheckpointTree }
  | Extract<CheckpointVerification, { ok: false }>;

/** A checkpoint's leaves in order, with the tree over them and each leaf's position. */
interface CheckpointTree {
  leaves: LeafRow[];
  levels: string[][];
  index: Map<string, number>;
}

// The last verified tree of each governance, by checkpoint id and root: verifying many
// trails against one checkpoint reads and builds it once. Its leaves were checked against
// the signed root, so they stay trustworthy whatever the database holds later.
const lastTree = new WeakMap<GovernanceRuntime, { key: string; tree: CheckpointTree }>();

/**
 * Parses the checkpoint, checks its signature and that the stored leaves give its root;
 * `fresh` reads the leaves again even when this checkpoint's tree was built before.
 */
async function checked(rt: GovernanceRuntime, given: unknown, fresh: boolean): Promise<Checked> {
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
  const key = `${checkpoint.id}:${checkpoint.root}`;
  const cached = lastTree.get(rt);
  if (!fresh && cached?.key === key) return { ok: true, checkpoint, tree: cached.tree };
  const leaves = (
    await rt.withEm('verifyAuditCheckpoint', (em) => findLeaves(em, checkpoint.id))
  ).sort(byProposal);
  const levels = leaves.length === 0 ? [] : merkleLevels(leaves);
  const root = leaves.length === 0 ? merkleRoot([]) : levels.at(-1)![0];
  if (leaves.length !== checkpoint.count || root !== checkpoint.root)
    return invalid(
      'checkpoint_invalid',
      'the database no longer holds the heads this checkpoint signed',
    );
  const tree = { leaves, levels, index: new Map(leaves.map((l, i) => [l.proposalId, i])) };
  lastTree.set(rt, { key, tree });
  return { ok: true, checkpoint, tree };
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
  const found = await checked(rt, given, true);
  if (!found.ok) return found;
  const moved = await rt.withEm('verifyAuditCheckpoint', (em) =>
    findMovedHeads(em, found.checkpoint.id),
  );
  if (moved.length === 0) return { ok: true, chains: found.tree.leaves.length };
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
  const found = await checked(rt, given, false);
  if (!found.ok) return found;
  const { tree } = found;
  const index = tree.index.get(proposalId);
  const leaf = index === undefined ? null : tree.leaves[index]!;
  return {
    ok: true,
    anchor: leaf,
    coverage: {
      checkpointId: found.checkpoint.id,
      covered: leaf !== null,
      seq: leaf?.seq ?? null,
      proof: index === undefined ? [] : inclusionProof(tree.levels, index),
    },
  };
}
