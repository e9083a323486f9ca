import type { EntityManager } from '@mikro-orm/postgresql';
import { BATCH_MOVED, MOVED_APART, writeActorRows } from '../../persistence/actorWrite.js';
import { caseWritesBeside } from '../../persistence/case.repository.js';
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
   * Stores lanes' transitions (of distinct proposals) and their case's in one statement,
   * batched with other lanes' writes but never with another of the same case; false when a
   * proposal or the case moved first (then none is written).
   */
  writeWithCase(writes: readonly ActorWrite<LaneRow>[], caseWrite: CaseWrite): Promise<boolean>;
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

const movedApart = (error: unknown) =>
  sqlState(error) === 'P0001' && String((error as Error).message).includes(MOVED_APART);

/** How a lone write can lose its race by an error of the statement. */
const lostAlone = (error: unknown) => sqlState(error) === '23505' || movedApart(error);

/** A lane's write, or lanes' writes with their case's: all commit together or none. */
interface LaneWrite {
  writes: readonly ActorWrite<LaneRow>[];
  caseWrite: CaseWrite | null;
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
    createBatcher<LaneWrite, boolean>({
      maxInFlight: 2,
      maxBatch: PREPARED_BATCH,
      // Two writes to one proposal in one statement would both match its audit head, and
      // two to one case its version.
      keyOf: ({ writes, caseWrite }) => [
        ...writes.map((w) => w.row.proposalId),
        ...(caseWrite ? [`case:${caseWrite.row.id}`] : []),
      ],
      retryAlone: refusedByServer,
      run: async (batch) => {
        const beside = batch.flatMap(({ writes, caseWrite }) =>
          caseWrite ? [{ laneIds: writes.map((w) => w.row.id), write: caseWrite }] : [],
        );
        const alongside = beside.length > 0 ? caseWritesBeside(beside) : null;
        const written = await withEm('writeLanes', (em) =>
          writeActorRows(
            em,
            laneTable,
            mode,
            batch.flatMap((w) => w.writes),
            alongside,
          ).catch((error: unknown) => {
            // For a lone write, a lost race like any other: a second pending lane for a
            // proposal breaking a unique index, or a case another run charged first. A batch
            // that failed so is retried write by write.
            if (batch.length === 1 && lostAlone(error)) return new Set<string>();
            throw error;
          }),
        );
        return batch.map((w) => w.writes.every((one) => written.has(one.row.id)));
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
        // The lane matched and the write alongside did not (a link already used).
        if (movedApart(error)) return false;
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
    writeWithCase: (writes, caseWrite) => writers.update({ writes, caseWrite }),
    writeAlongside,
    writeAll,
    read: reader('readLanes', findLanesWithProposal),
    readProposal: reader('readProposals', findProposalsForLane),
    readForRun: reader('readLanesForRun', findLanesForRun),
    write: (mode, write) => writers[mode]({ writes: [write], caseWrite: null }),
  };
}
