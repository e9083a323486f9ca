import { sha256 } from '../canonicalJson.js';

/** One chain's head as a checkpoint covers it. */
export interface CheckpointLeaf {
  proposalId: string;
  seq: number;
  hash: string;
}

/** A step of an inclusion proof: the sibling's hash and the side it sits on. */
export interface ProofStep {
  side: 'left' | 'right';
  hash: string;
}

// Leaves and inner nodes are hashed with different prefixes, so no inner node can pass for
// a leaf (a second-preimage guard, as in RFC 6962).
const leafHash = (l: CheckpointLeaf) => sha256(`\u0000${l.proposalId}\n${l.seq}\n${l.hash}`);
const nodeHash = (left: string, right: string) => sha256(`\u0001${left}${right}`);

/** The levels of the tree, leaves first; a level of odd length carries its last node up. */
export function merkleLevels(leaves: readonly CheckpointLeaf[]): string[][] {
  const all = [leaves.map(leafHash)];
  while (all.at(-1)!.length > 1) {
    const level = all.at(-1)!;
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
    }
    all.push(next);
  }
  return all;
}

/** The Merkle root over leaves in the given order (the empty tree's root is a fixed hash). */
export function merkleRoot(leaves: readonly CheckpointLeaf[]): string {
  return leaves.length === 0
    ? sha256('countersign.checkpoint/empty')
    : merkleLevels(leaves).at(-1)![0]!;
}

/** The inclusion proof of the leaf at `index`, from the tree's levels. */
export function inclusionProof(levels: readonly string[][], index: number): ProofStep[] {
  const proof: ProofStep[] = [];
  let i = index;
  for (const level of levels.slice(0, -1)) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) {
      proof.push({ side: i % 2 === 0 ? 'right' : 'left', hash: level[sibling]! });
    }
    i = Math.floor(i / 2);
  }
  return proof;
}

/** Whether `leaf` with `proof` leads to `root`. */
export function provesInclusion(
  leaf: CheckpointLeaf,
  proof: readonly ProofStep[],
  root: string,
): boolean {
  let hash = leafHash(leaf);
  for (const step of proof) {
    hash = step.side === 'left' ? nodeHash(step.hash, hash) : nodeHash(hash, step.hash);
  }
  return hash === root;
}
