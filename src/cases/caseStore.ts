import type { EntityManager } from '@mikro-orm/postgresql';
import type { CaseContext, CasePolicyRef, PolicyBody } from '../../machines/caseTypes.js';
import { PREPARED_BATCH } from '../../persistence/batchSlots.js';
import { findCaseWithEvents, findCases, writeCase } from '../../persistence/case.repository.js';
import type { CaseWrite } from '../../persistence/case.repository.js';
import { findPolicy } from '../../persistence/policy.repository.js';
import type { CaseRow } from '../../persistence/rows.js';
import { createBatcher } from '../batcher.js';
import type { AuditKeys } from '../audit/signing.js';
import { CaseSnapshotError } from '../errors/caseSnapshotError.js';
import { checkCaseLinks } from './caseChainLinks.js';
import { openedUnder, replayCaseChain, rowDisagreement } from './caseReplay.js';
import type { ChainedCase } from './caseReplay.js';
import { policyHash } from './policy.js';

/**
 * A case as read: its row, its machine context (the ledger in it) and its policy's body —
 * all as its chain, replayed through the case machine, proves them.
 */
export interface CaseRecord {
  row: CaseRow;
  context: CaseContext;
  policy: PolicyBody;
}

/** Reads and writes cases; a policy version's body is read once, then kept by its hash. */
export interface CaseStore {
  /** The case as stored; a row its chain does not prove throws `CaseSnapshotError` (`inconsistent`). */
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

const inconsistent = (caseId: string, field: string, detail: string) =>
  new CaseSnapshotError('inconsistent', caseId, detail, { field });

export function createCaseStore(withEm: WithEm, keys: AuditKeys): CaseStore {
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
  // What each case's chain proved, up to the head this process checked it to (or wrote it
  // to itself): a later row needs only the events after that head. Bounded like the rest.
  const proven = new Map<string, ChainedCase>();
  // The latest version seen of each case (read or written); bounded like the policies.
  const seen = new Map<string, CaseRecord>();
  const remember = <T>(map: Map<string, T>, caseId: string, value: T) => {
    if (map.size >= MAX_CACHED) map.clear();
    map.set(caseId, value);
  };
  const wrote = (record: CaseRecord) => {
    const { row, context } = record;
    const known = seen.get(row.id);
    if (known && known.row.version >= row.version) return;
    remember(seen, row.id, record);
    // A write of this process starts from a proven state and commits only at its version.
    const before = proven.get(row.id);
    if (before) {
      const causes = before.rule === 1 ? before.causes : row.version;
      const head = { seq: row.auditSeq, hash: row.auditHead };
      const chained = { head, persisted: row.snapshot, status: row.status, context, causes };
      remember(proven, row.id, { ...chained, rule: before.rule });
    }
  };

  /** What the chain proves of the case up to `row`'s head, reading what this process lacks. */
  async function prove(row: CaseRow): Promise<{ row: CaseRow; chained: ChainedCase } | null> {
    const known = proven.get(row.id);
    if (known && known.head.seq === row.auditSeq && known.head.hash === row.auditHead) {
      return { row, chained: known };
    }
    // Behind the proven head, or off it: a stale read, a fork or a restored row, all checked
    // from the genesis.
    let from = known && row.auditSeq > known.head.seq ? known : null;
    for (;;) {
      const read = await withEm('readCaseChain', (em) =>
        findCaseWithEvents(em, row.id, from?.head.seq ?? 0),
      );
      if (!read.row) return null;
      const head = { seq: read.row.auditSeq, hash: read.row.auditHead };
      const links = checkCaseLinks(read.events, from?.head ?? null, head, keys);
      if (!links.ok && links.problem === 'rehash' && from) {
        from = null;
        continue;
      }
      if (!links.ok)
        throw inconsistent(
          row.id,
          'chain',
          `the chain is ${links.problem} at ${'seq' in links ? links.seq : 0}`,
        );
      const replay = replayCaseChain(row.id, read.events, from);
      if (!replay.ok) throw inconsistent(row.id, 'chain', replay.detail);
      if (!from) {
        const body = await policyOf(row.id, replay.chained.context.policy);
        const opened = openedUnder(replay.chained, body);
        if (opened) throw inconsistent(row.id, opened.field, opened.detail);
      }
      remember(proven, row.id, replay.chained);
      return { row: read.row, chained: replay.chained };
    }
  }

  const saw = async (stored: CaseRow): Promise<CaseRecord> => {
    const found = await prove(stored);
    if (!found) throw inconsistent(stored.id, 'chain', 'the case row is gone');
    const { row, chained } = found;
    const disagreement = rowDisagreement(row, chained);
    if (disagreement) {
      proven.delete(row.id);
      throw inconsistent(row.id, disagreement.field, disagreement.detail);
    }
    const record = {
      row,
      context: chained.context,
      policy: await policyOf(row.id, chained.context.policy),
    };
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
