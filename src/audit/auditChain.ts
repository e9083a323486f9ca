import { canonicalJson, sha256, toJsonValue } from '../canonicalJson.js';
import type { EventRow } from '../../persistence/rows.js';
import type { JsonValue } from '../canonicalJson.js';

/** `prevHash` of a proposal's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** An audit event before it is placed in its proposal's chain. */
export interface AuditEventDraft {
  type: string;
  actorId: string;
  approvalId: string | null;
  payload: Record<string, unknown>;
  /** ISO timestamp; part of what is hashed. */
  createdAt: string;
}

/** An audit event with its place in the chain, as stored. */
export type ChainedEvent = EventRow;

/** Where a proposal's chain ends: its last event's seq and hash (0 and genesis when empty). */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** What `verifyAuditTrail` found: intact, or the first row that breaks the chain. */
export type AuditVerification =
  | { ok: true; events: number }
  | {
      ok: false;
      problem: 'edited' | 'removed' | 'reordered' | 'not_found';
      /** Position in the chain of the first broken row (the missing one, for `removed`). */
      seq: number;
      eventId: string | null;
    };

// seq is left out on purpose: it orders the chain, and a renumbered row then shows up as
// reordered (its link no longer matches its new predecessor) rather than as edited.
function eventHash(event: Omit<ChainedEvent, 'id' | 'hash' | 'seq'>): string {
  const { prevHash, ...content } = event;
  return sha256(`${prevHash}\n${canonicalJson(content)}`);
}

/** Places drafts after `head` in `proposalId`'s chain; returns the events and the new head. */
export function chainEvents(
  proposalId: string,
  head: ChainHead,
  drafts: readonly AuditEventDraft[],
  newId: () => string,
): { events: ChainedEvent[]; head: ChainHead } {
  let prev = head;
  const events = drafts.map((draft) => {
    const unhashed = {
      proposalId,
      approvalId: draft.approvalId,
      type: draft.type,
      actorId: draft.actorId,
      payload: toJsonValue(draft.payload) as Record<string, JsonValue>,
      prevHash: prev.hash,
      createdAt: draft.createdAt,
    };
    const event: ChainedEvent = {
      id: newId(),
      seq: prev.seq + 1,
      ...unhashed,
      hash: eventHash(unhashed),
    };
    prev = { seq: event.seq, hash: event.hash };
    return event;
  });
  return { events, head: prev };
}

/** Checks stored events (ordered by seq) against each other and against the proposal's head. */
export function verifyChain(events: readonly ChainedEvent[], head: ChainHead): AuditVerification {
  let prev: ChainHead = { seq: 0, hash: GENESIS_HASH };
  for (const event of events) {
    if (event.seq !== prev.seq + 1) {
      return { ok: false, problem: 'removed', seq: prev.seq + 1, eventId: null };
    }
    const { id: _id, hash, seq: _seq, ...unhashed } = event;
    if (eventHash(unhashed) !== hash) {
      return { ok: false, problem: 'edited', seq: event.seq, eventId: event.id };
    }
    if (event.prevHash !== prev.hash) {
      return { ok: false, problem: 'reordered', seq: event.seq, eventId: event.id };
    }
    prev = { seq: event.seq, hash };
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
