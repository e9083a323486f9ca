import type { EntityManager } from '@mikro-orm/postgresql';
import { casePersistence } from '../../machines/caseSnapshot.js';
import type { CaseContext, CasePolicyRef, PolicyBody } from '../../machines/caseTypes.js';
import { restoreSnapshot } from '../../machines/persistedActor.js';
import { PREPARED_BATCH } from '../../persistence/batchSlots.js';
import { findCases, writeCase } from '../../persistence/case.repository.js';
import type { CaseWrite } from '../../persistence/case.repository.js';
import { findPolicy } from '../../persistence/policy.repository.js';
import type { CaseRow } from '../../persistence/rows.js';
import { createBatcher } from '../batcher.js';
import { CaseSnapshotError } from '../errors/caseSnapshotError.js';
import { policyHash } from './policy.js';

/** A case as read: its row, its machine context (the ledger in it) and its policy's body. */
export interface CaseRecord {
  row: CaseRow;
  context: CaseContext;
  policy: PolicyBody;
}

/** Reads and writes cases; a policy version's body is read once, then kept by its hash. */
export interface CaseStore {
  read(caseId: string): Promise<CaseRecord | null>;
  /**
   * The case as this process last saw it, read only when it has not: for a write that is
   * made only if the case is still at that version (and answers with it if not).
   */
  recent(caseId: string): Promise<CaseRecord | null>;
  /** Takes a case row that came back with a statement's answer as the case's latest. */
  saw(row: CaseRow): Promise<CaseRecord>;
  /** Takes a case this process just wrote as the case's latest. */
  wrote(record: CaseRecord): void;
  /** Drops what this process saw of a case, so that the next `recent` reads it. */
  forget(caseId: string): void;
  /** A policy version's body, checked against its hash; from the cache after the first read. */
  policy(caseId: string, ref: CasePolicyRef): Promise<PolicyBody>;
  /** Stores a new case (`insert`) or a transition of one; false when its version moved first. */
  write(mode: 'insert' | 'update', write: CaseWrite): Promise<boolean>;
}

type WithEm = <T>(operation: string, fn: (em: EntityManager) => Promise<T>) => Promise<T>;

// Policy versions never change, so their bodies are kept by hash; bounded all the same (and
// so are the cases' latest rows).
const MAX_CACHED = 1_000;

export function createCaseStore(withEm: WithEm): CaseStore {
  const policies = new Map<string, PolicyBody>();

  async function policyOf(caseId: string, ref: CasePolicyRef): Promise<PolicyBody> {
    const cached = policies.get(ref.hash);
    if (cached) return cached;
    const stored = await withEm('readPolicy', (em) => findPolicy(em, ref.name, ref.version));
    // The version's body must still hash to what the case recorded: an edited body would
    // loosen the case's rules, so it fails closed.
    if (!stored || policyHash(stored.body as PolicyBody) !== ref.hash) {
      throw new CaseSnapshotError(
        'malformed',
        caseId,
        `policy ${ref.name} v${ref.version} is missing or does not match its hash`,
      );
    }
    if (policies.size >= MAX_CACHED) policies.clear();
    policies.set(ref.hash, stored.body as PolicyBody);
    return stored.body as PolicyBody;
  }

  // Calls in one case arrive together: their reads share a round trip (and a row).
  const readRows = createBatcher<string, CaseRow | null>({
    maxInFlight: 2,
    maxBatch: PREPARED_BATCH,
    run: async (ids) => {
      const found = await withEm('readCases', (em) => findCases(em, ids));
      return ids.map((id) => found.get(id) ?? null);
    },
  });
  // The latest version seen of each case (read or written); bounded like the policies.
  const seen = new Map<string, CaseRecord>();
  const wrote = (record: CaseRecord) => {
    const known = seen.get(record.row.id);
    if (known && known.row.version >= record.row.version) return;
    if (seen.size >= MAX_CACHED) seen.clear();
    seen.set(record.row.id, record);
  };
  const saw = async (row: CaseRow): Promise<CaseRecord> => {
    const restored = restoreSnapshot(casePersistence, row);
    if (!restored.ok) throw new CaseSnapshotError(restored.error, row.id, restored.detail);
    const context = (restored.snapshot as unknown as { context: CaseContext }).context;
    const record = { row, context, policy: await policyOf(row.id, context.policy) };
    wrote(record);
    return record;
  };
  const read = async (caseId: string) => {
    const row = await readRows(caseId);
    return row ? saw(row) : null;
  };
  return {
    read,
    recent: async (caseId) => seen.get(caseId) ?? read(caseId),
    saw,
    wrote,
    forget: (caseId) => void seen.delete(caseId),
    policy: policyOf,
    write: (mode, write) => withEm('writeCase', (em) => writeCase(em, mode, write)),
  };
}
