import type { EntityManager } from '@mikro-orm/postgresql';
import { BATCH_MOVED, MOVED_APART, writeActorRows } from '../../persistence/actorWrite.js';
import { caseWriteParts } from '../../persistence/case.repository.js';
import type { CaseWrite } from '../../persistence/case.repository.js';
import type { ActorWrite, Alongside } from '../../persistence/actorWrite.js';
import { PREPARED_BATCH } from '../../persistence/batchSlots.js';
import {
  findLanesForRun,
  findLanesWithProposal,
  laneTable,
} from '../../persistence/lane.repository.js';
import type { LaneForRun, LaneWithProposal } from '../../persistence/lane.repository.js';
import { findProposalsForLane } from '../../persistence/proposal.repository.js';
import type { ProposalForLane } from '../../persistence/proposal.repository.js';
import type { LaneRow } from '../../persistence/rows.js';
import { createBatcher } from '../batcher.js';

/** Reads and writes lanes; what concurrent callers ask for goes in shared batches. */
export interface LaneStore {
  read(laneId: string): Promise<LaneWithProposal | null>;
  /** What opening a lane needs of a proposal. */
  readProposal(proposalId: string): Promise<ProposalForLane | null>;
  /** A lane about to run, with its proposal's audit chain (what authorises the run). */
  readForRun(laneId: string): Promise<LaneForRun | null>;
  /** Stores a new lane (`insert`) or a transition of one; false when its proposal moved first. */
  write(mode: 'insert' | 'update', write: ActorWrite<LaneRow>): Promise<boolean>;
  /**
   * Stores a lane's transition and its case's in one statement, unbatched; false when the
   * proposal or the case moved first (then neither is written).
   */
  writeWithCase(write: ActorWrite<LaneRow>, caseWrite: CaseWrite): Promise<boolean>;
  /** Stores a lane's transition and another write in one statement, both or neither. */
  writeAlongside(write: ActorWrite<LaneRow>, alongside: Alongside): Promise<boolean>;
  /** Stores the transitions of many lanes in one statement, all or none; false: none. */
  writeAll(writes: readonly ActorWrite<LaneRow>[]): Promise<boolean>;
}

type WithEm = <T>(operation: string, fn: (em: EntityManager) => Promise<T>) => Promise<T>;

/** The SQLSTATE of a driver error, also when wrapped (as `cause`) in a DatabaseError. */
function sqlState(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined ? null : sqlState(cause);
}

/**
 * PostgreSQL answered that it refused the statement, so none of it was committed; class 08
 * (connection exceptions) and errors without an answer leave that unknown: a batch that
 * lost its connection may have committed, and retrying its writes one by one would tell
 * callers whose decision won that they lost.
 */
const refusedByServer = (error: unknown) => {
  const state = sqlState(error);
  return state !== null && !state.startsWith('08');
};

/**
 * One batch of each kind at a time, and a second only when a full batch is waiting (a
 * sweep): on the benches, a second batch for fewer writes only split them into smaller
 * batches and cost more round trips.
 */
export function createLaneStore(withEm: WithEm): LaneStore {
  const reader = <R>(
    operation: string,
    find: (em: EntityManager, ids: string[]) => Promise<Map<string, R>>,
  ) =>
    createBatcher<string, R | null>({
      maxInFlight: 2,
      maxBatch: PREPARED_BATCH,
      run: async (ids) => {
        const found = await withEm(operation, (em) => find(em, ids));
        return ids.map((id) => found.get(id) ?? null);
      },
    });
  const writer = (mode: 'insert' | 'update') =>
    createBatcher<ActorWrite<LaneRow>, boolean>({
      maxInFlight: 2,
      maxBatch: PREPARED_BATCH,
      // Two writes to one proposal in one statement would both match its audit head.
      keyOf: (w) => w.row.proposalId,
      retryAlone: refusedByServer,
      run: async (writes) => {
        const written = await withEm('writeLanes', (em) =>
          writeActorRows(em, laneTable, mode, writes).catch((error: unknown) => {
            // A second pending lane for a proposal breaks a unique index: for a lone write,
            // a lost race like any other (a batch that broke it is retried write by write).
            if (writes.length === 1 && sqlState(error) === '23505') return new Set<string>();
            throw error;
          }),
        );
        return writes.map((w) => written.has(w.row.id));
      },
    });
  const writers = { insert: writer('insert'), update: writer('update') };
  const writeAlongside = (write: ActorWrite<LaneRow>, alongside: Alongside) =>
    withEm('writeLanes', async (em) => {
      try {
        return (await writeActorRows(em, laneTable, 'update', [write], alongside)).has(
          write.row.id,
        );
      } catch (error) {
        // The lane matched and the write alongside did not (a case another run charged
        // first, a link already used).
        if (sqlState(error) === 'P0001' && String((error as Error).message).includes(MOVED_APART))
          return false;
        throw error;
      }
    });
  const writeAll = (writes: readonly ActorWrite<LaneRow>[]) =>
    withEm('writeLanes', async (em) => {
      try {
        await writeActorRows(em, laneTable, 'update', writes, null, true);
        return true;
      } catch (error) {
        // A lane of the batch moved (or its proposal's head did): nothing was written.
        if (sqlState(error) === 'P0001' && String((error as Error).message).includes(BATCH_MOVED))
          return false;
        throw error;
      }
    });
  return {
    writeWithCase: (write, caseWrite) =>
      writeAlongside(write, {
        ...caseWriteParts('update', caseWrite, true),
        written: 'case_written',
      }),
    writeAlongside,
    writeAll,
    read: reader('readLanes', findLanesWithProposal),
    readProposal: reader('readProposals', findProposalsForLane),
    readForRun: reader('readLanesForRun', findLanesForRun),
    write: (mode, w) => writers[mode](w),
  };
}
