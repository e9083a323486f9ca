import type { EntityManager } from '@mikro-orm/postgresql';
import { findLanesForStep, PREPARED_BATCH, writeLanes } from '../../persistence/lane.repository.js';
import type { LaneForStep, LaneWrite } from '../../persistence/lane.repository.js';
import { createBatcher } from '../batcher.js';

/** Reads and writes lanes for steps; what concurrent steps ask for goes in shared batches. */
export interface LaneStore {
  read(laneId: string): Promise<LaneForStep | null>;
  /** True when written; false when the lane or its proposal moved first (a lost race). */
  write(write: LaneWrite): Promise<boolean>;
}

type WithEm = <T>(operation: string, fn: (em: EntityManager) => Promise<T>) => Promise<T>;

/**
 * One batch of each kind at a time: measured on the bench, a second batch in flight only
 * split the waiting steps into smaller batches (see the README's benchmark notes).
 */
export function createLaneStore(withEm: WithEm): LaneStore {
  const read = createBatcher<string, LaneForStep | null>({
    maxInFlight: 1,
    maxBatch: PREPARED_BATCH,
    run: async (ids) => {
      const found = await withEm('readLanes', (em) => findLanesForStep(em, ids));
      return ids.map((id) => found.get(id) ?? null);
    },
  });
  const write = createBatcher<LaneWrite, boolean>({
    maxInFlight: 1,
    maxBatch: PREPARED_BATCH,
    // Two writes to one proposal in one statement would both match its audit head.
    keyOf: (w) => w.lane.proposalId,
    run: async (writes) => {
      const written = await withEm('writeLanes', (em) => writeLanes(em, 'update', writes));
      return writes.map((w) => written.has(w.lane.id));
    },
  });
  return { read, write };
}
