import { CanonicalText, canonicalForm, canonicalJson, sha256 } from '../canonicalJson.js';
import type { AuditHead, CaseEventRow, EventRow } from '../../persistence/rows.js';
import type { JsonValue } from '../canonicalJson.js';
import { ConfigurationError } from '../errors/configurationError.js';
import { headStatement } from './signing.js';
import type { AuditKeys } from './signing.js';

/** `prevHash` of a proposal's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash rule new events are written under. */
export const HASH_VERSION = 3;

/** An audit event before it is placed in its proposal's chain. */
export interface AuditEventDraft {
  type: string;
  actorId: string;
  approvalId: string | null;
  payload: Record<string, unknown>;
  /** ISO timestamp; part of what is hashed. */
  createdAt: string;
}

/** How many events of a chain each hash rule verified, by rule: `{ 2: 4, 3: 2 }`. */
export type HashRules = Record<number, number>;

/**
 * What a chain check found: intact (with the hash rules its events were written under), or
 * the first row that breaks it.
 */
export type ChainCheck =
  | { ok: true; events: number; hashRules: HashRules }
  | {
      ok: false;
      problem: 'edited' | 'removed' | 'reordered' | 'unsigned' | 'bad_signature' | 'unknown_key';
      /** Position in the chain of the first broken row (the missing one, for `removed`). */
      seq: number;
      eventId: string | null;
    };

/** `…T10:00:00.123Z` → `…T10:00:00.123000Z`: the time as PostgreSQL stores and returns it. */
export function microsecondTime(iso: string): string {
  // `toISOString()`'s shape is checked with string tests: this runs for every event written.
  const millis = iso.endsWith('Z') && iso[iso.length - 5] === '.';
  return millis && /^\d{3}$/.test(iso.slice(-4, -1)) ? `${iso.slice(0, -1)}000Z` : iso;
}

// The only form a stored event time is read back in (persistence/event.repository.ts): UTC,
// microseconds, a four-digit year of the common era. Any other stored time reads otherwise.
const STORED_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

// Events of one step share their time: the last conversion is kept for the next event.
let lastTime = '';
let lastEpoch: string | null = null;

/**
 * A time as stored (see {@link STORED_TIME}) as seconds since the Unix epoch with six
 * decimals — its count of microseconds, as `extract(epoch from created_at)` prints it: one
 * text per instant, with no era to lose. Null for any other text and for a time before
 * 1970, which no event was ever written at.
 */
function epochTime(time: string): string | null {
  if (time === lastTime) return lastEpoch;
  const seconds = STORED_TIME.test(time) ? Math.floor(Date.parse(time) / 1000) : -1;
  lastTime = time;
  lastEpoch = seconds >= 0 ? `${seconds}.${time.slice(20, 26)}` : null;
  return lastEpoch;
}

/** The fields every chained event has, whichever chain it belongs to. */
type Linked = Pick<
  EventRow,
  | 'id'
  | 'seq'
  | 'type'
  | 'actorId'
  | 'payload'
  | 'prevHash'
  | 'hash'
  | 'createdAt'
  | 'hashVersion'
  | 'signature'
  | 'keyId'
>;

/**
 * A kind of chain: the fields that name an event's chain and task (hashed under their own
 * names, so an event cannot pass for one of another kind) and what its head signatures say.
 */
export interface ChainKind<E extends Linked> {
  chainOf(event: E): string;
  identity(event: E): Record<string, string | null>;
  statement(chainId: string, seq: number, hash: string): string;
}

/** A proposal's chain: its events and its lanes' events. */
export const proposalChain: ChainKind<EventRow> = {
  chainOf: (e) => e.proposalId,
  identity: (e) => ({ proposalId: e.proposalId, approvalId: e.approvalId }),
  statement: headStatement,
};

/** A case's chain: its own transitions, reservations and receipts. */
export const caseChain: ChainKind<CaseEventRow> = {
  chainOf: (e) => e.caseId,
  identity: (e) => ({ caseId: e.caseId, taskId: e.taskId }),
  statement: (caseId, seq, hash) => `countersign.case-head/1\n${caseId}\n${seq}\n${hash}`,
};

// Rule 1 (rows written before the id and the full time were hashed): no id, and the time in
// milliseconds, as those rows were written; a stored time with other microseconds cannot
// hash as it did. Rule 2: the id and the time's text as stored, a text with no era (a BC
// year once read back as the AD year of the same digits). Rule 3: the id and the time as
// epoch seconds to the microsecond, which has no era to lose. Under every rule a stored time
// outside 1970 to 9999 (a BC year, infinity) hashes to nothing: no event was written then,
// so the row was edited. seq is left out on purpose: it orders the chain, so a renumbered
// row shows up as reordered, not edited.
// `payloadText`: the payload's canonical text when the caller has just written it.
function eventHash<E extends Linked>(
  kind: ChainKind<E>,
  event: E,
  version: number,
  payloadText?: CanonicalText,
): string | null {
  const { prevHash, id, createdAt, type, actorId } = event;
  const epoch = epochTime(createdAt);
  if (epoch === null) return null;
  const payload = payloadText ?? event.payload;
  const content = { ...kind.identity(event), type, actorId, payload };
  if (version === 3) {
    return sha256(`v3\n${prevHash}\n${canonicalJson({ ...content, id, createdAt: epoch })}`);
  }
  if (version === 1) {
    const millis = /\.\d{3}000Z$/.test(createdAt) ? createdAt.replace(/000Z$/, 'Z') : createdAt;
    return sha256(`${prevHash}\n${canonicalJson({ ...content, createdAt: millis })}`);
  }
  if (version === 2) {
    return sha256(`v2\n${prevHash}\n${canonicalJson({ ...content, id, createdAt })}`);
  }
  return null;
}

/** An event with its identity and content, before it is linked after a head. */
type Unlinked<E extends Linked> = Omit<
  E,
  'seq' | 'prevHash' | 'hash' | 'hashVersion' | 'signature' | 'keyId' | 'payload'
> & { payload: Record<string, unknown> };

/** Links events after `head` under the current rule; with a key, each signs the head it makes. */
export function linkEvents<E extends Linked>(
  kind: ChainKind<E>,
  head: AuditHead,
  unlinked: readonly Unlinked<E>[],
  keys: AuditKeys | null = null,
): { events: E[]; head: AuditHead } {
  let prev = head;
  const events = unlinked.map((draft) => {
    const seq = prev.seq + 1;
    const payload = canonicalForm(draft.payload);
    const base = {
      ...draft,
      payload: payload.value as Record<string, JsonValue>,
      createdAt: microsecondTime(draft.createdAt),
      prevHash: prev.hash,
      seq,
      hashVersion: HASH_VERSION,
      // Set once the hash is known: one object per event, not a copy after hashing.
      hash: '',
      signature: null,
      keyId: null,
    } as unknown as E;
    const hash = eventHash(kind, base, HASH_VERSION, new CanonicalText(payload.text));
    if (hash === null) {
      throw new ConfigurationError(
        `an audit event cannot be written at ${draft.createdAt}: the clock must give a time from 1970 to 9999`,
      );
    }
    const signed = keys?.sign(kind.statement(kind.chainOf(base), seq, hash)) ?? null;
    prev = { seq, hash };
    base.hash = hash;
    if (signed) {
      base.signature = signed.signature;
      base.keyId = signed.keyId;
    }
    return base;
  });
  return { events, head: prev };
}

/**
 * Places drafts after `head` in `proposalId`'s chain; returns the events and the new head.
 * With a signing key, each event carries the signature of the head it makes.
 */
export function chainEvents(
  proposalId: string,
  head: AuditHead,
  drafts: readonly AuditEventDraft[],
  newId: () => string,
  keys: AuditKeys | null = null,
): { events: EventRow[]; head: AuditHead } {
  const unlinked = drafts.map((d) => ({ ...d, id: newId(), proposalId }));
  return linkEvents(proposalChain, head, unlinked, keys);
}

/** Options of {@link verifyChain}. */
export interface ChainCheckOptions {
  /** Checks signatures; with a signing key configured, every row must be signed. */
  keys?: AuditKeys | null;
  /** Rows up to this seq are anchored by a checkpoint and may be unsigned (written before keys). */
  anchoredThrough?: number;
}

/**
 * Checks stored events (ordered by seq) against each other and against the proposal's head:
 * each row's hash under its rule, its link to the row before, and — with keys — its head
 * signature. Never throws on a stored value.
 */
export function verifyChain<E extends Linked = EventRow>(
  events: readonly E[],
  head: AuditHead,
  options: ChainCheckOptions = {},
  kind: ChainKind<E> = proposalChain as unknown as ChainKind<E>,
): ChainCheck {
  const { keys = null, anchoredThrough = 0 } = options;
  let prev: AuditHead = { seq: 0, hash: GENESIS_HASH };
  for (const event of events) {
    if (event.seq !== prev.seq + 1) {
      return { ok: false, problem: 'removed', seq: prev.seq + 1, eventId: null };
    }
    const at = { seq: event.seq, eventId: event.id };
    if (eventHash(kind, event, event.hashVersion) !== event.hash) {
      return { ok: false, problem: 'edited', ...at };
    }
    if (event.prevHash !== prev.hash) return { ok: false, problem: 'reordered', ...at };
    const signature = signatureProblem(kind, event, keys, anchoredThrough);
    if (signature) return { ok: false, problem: signature, ...at };
    prev = { seq: event.seq, hash: event.hash };
  }
  if (head.seq !== prev.seq) {
    return head.seq > prev.seq
      ? { ok: false, problem: 'removed', seq: prev.seq + 1, eventId: null }
      : { ok: false, problem: 'edited', seq: head.seq, eventId: null };
  }
  if (head.hash !== prev.hash)
    return { ok: false, problem: 'edited', seq: head.seq, eventId: null };
  return { ok: true, events: events.length, hashRules: hashRulesOf(events) };
}

/** Counts a chain's events by the hash rule each was written under. */
export function hashRulesOf(events: readonly Pick<EventRow, 'hashVersion'>[]): HashRules {
  const rules: HashRules = {};
  for (const { hashVersion } of events) rules[hashVersion] = (rules[hashVersion] ?? 0) + 1;
  return rules;
}

function signatureProblem<E extends Linked>(
  kind: ChainKind<E>,
  event: E,
  keys: AuditKeys | null,
  anchoredThrough: number,
): 'unsigned' | 'bad_signature' | 'unknown_key' | null {
  if (!keys) return null;
  if (event.signature === null || event.keyId === null) {
    // Only an anchored deployment requires signatures; rows a checkpoint covers were
    // anchored outside the database even if they predate the key.
    return keys.anchored && event.seq > anchoredThrough ? 'unsigned' : null;
  }
  const check = keys.check(
    kind.statement(kind.chainOf(event), event.seq, event.hash),
    event.keyId,
    event.signature,
  );
  return check === 'valid' ? null : check === 'unknown_key' ? 'unknown_key' : 'bad_signature';
}
