import { canonicalJson, sha256, toJsonValue } from '../canonicalJson.js';
import type { AuditHead, EventRow } from '../../persistence/rows.js';
import type { JsonValue } from '../canonicalJson.js';
import { headStatement } from './signing.js';
import type { AuditKeys } from './signing.js';

/** `prevHash` of a proposal's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash rule new events are written under. */
export const HASH_VERSION = 2;

/** An audit event before it is placed in its proposal's chain. */
export interface AuditEventDraft {
  type: string;
  actorId: string;
  approvalId: string | null;
  payload: Record<string, unknown>;
  /** ISO timestamp; part of what is hashed. */
  createdAt: string;
}

/** What a chain check found: intact, or the first row that breaks it. */
export type ChainCheck =
  | { ok: true; events: number }
  | {
      ok: false;
      problem: 'edited' | 'removed' | 'reordered' | 'unsigned' | 'bad_signature' | 'unknown_key';
      /** Position in the chain of the first broken row (the missing one, for `removed`). */
      seq: number;
      eventId: string | null;
    };

/** `…T10:00:00.123Z` → `…T10:00:00.123000Z`: the time as PostgreSQL stores and returns it. */
export function microsecondTime(iso: string): string {
  return iso.replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The hashed fields of an event under a rule. */
type Hashed = Pick<
  EventRow,
  'id' | 'proposalId' | 'approvalId' | 'type' | 'actorId' | 'payload' | 'prevHash' | 'createdAt'
>;

// Rule 1 (rows written before the id and the full time were hashed): no id, and the time in
// milliseconds, as those rows were written; a stored time with other microseconds cannot
// hash as it did. Rule 2: the id and the time exactly as stored. seq is left out of both on
// purpose: it orders the chain, so a renumbered row shows up as reordered, not edited.
function eventHash(event: Hashed, version: number): string | null {
  const { prevHash, id, createdAt, proposalId, approvalId, type, actorId, payload } = event;
  const content = { proposalId, approvalId, type, actorId, payload };
  if (version === 1) {
    const millis = /\.\d{3}000Z$/.test(createdAt) ? createdAt.replace(/000Z$/, 'Z') : createdAt;
    return sha256(`${prevHash}\n${canonicalJson({ ...content, createdAt: millis })}`);
  }
  if (version === 2) {
    return sha256(`v2\n${prevHash}\n${canonicalJson({ ...content, id, createdAt })}`);
  }
  return null;
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
  let prev = head;
  const events = drafts.map((draft) => {
    const hashed: Hashed = {
      id: newId(),
      proposalId,
      approvalId: draft.approvalId,
      type: draft.type,
      actorId: draft.actorId,
      payload: toJsonValue(draft.payload) as Record<string, JsonValue>,
      prevHash: prev.hash,
      createdAt: microsecondTime(draft.createdAt),
    };
    const seq = prev.seq + 1;
    const hash = eventHash(hashed, HASH_VERSION)!;
    const signed = keys?.sign(headStatement(proposalId, seq, hash)) ?? null;
    prev = { seq, hash };
    return {
      ...hashed,
      seq,
      hash,
      hashVersion: HASH_VERSION,
      signature: signed?.signature ?? null,
      keyId: signed?.keyId ?? null,
    };
  });
  return { events, head: prev };
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
export function verifyChain(
  events: readonly EventRow[],
  head: AuditHead,
  options: ChainCheckOptions = {},
): ChainCheck {
  const { keys = null, anchoredThrough = 0 } = options;
  let prev: AuditHead = { seq: 0, hash: GENESIS_HASH };
  for (const event of events) {
    if (event.seq !== prev.seq + 1) {
      return { ok: false, problem: 'removed', seq: prev.seq + 1, eventId: null };
    }
    const at = { seq: event.seq, eventId: event.id };
    if (eventHash(event, event.hashVersion) !== event.hash) {
      return { ok: false, problem: 'edited', ...at };
    }
    if (event.prevHash !== prev.hash) return { ok: false, problem: 'reordered', ...at };
    const signature = signatureProblem(event, keys, anchoredThrough);
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
  return { ok: true, events: events.length };
}

function signatureProblem(
  event: EventRow,
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
    headStatement(event.proposalId, event.seq, event.hash),
    event.keyId,
    event.signature,
  );
  return check === 'valid' ? null : check === 'unknown_key' ? 'unknown_key' : 'bad_signature';
}
