import type { AuditHead, CaseEventRow } from '../../persistence/rows.js';
import {
  HASH_VERSION,
  caseChain,
  hashRulesOf,
  linkEvents,
  verifyChain,
} from '../audit/auditChain.js';
import type { ChainCheck } from '../audit/auditChain.js';
import type { AuditKeys } from '../audit/signing.js';

/** A chain check, or `rehash`: a later event is under an older rule, so check it all. */
export type LinkCheck = ChainCheck | { ok: false; problem: 'rehash' };

/** The link `event` makes after `prev`, rehashed under the current rule, and its signature. */
function linkProblem(event: CaseEventRow, prev: AuditHead, keys: AuditKeys): ChainCheck | null {
  const at = { seq: event.seq, eventId: event.id };
  if (event.seq !== prev.seq + 1)
    return { ok: false, problem: 'removed', seq: prev.seq + 1, eventId: null };
  if (event.prevHash !== prev.hash) return { ok: false, problem: 'reordered', ...at };
  const { id, caseId, taskId, type, actorId, createdAt, payload } = event;
  let hash: string | null;
  try {
    const unlinked = { id, caseId, taskId, type, actorId, createdAt, payload };
    hash = linkEvents(caseChain, prev, [unlinked]).events[0]!.hash;
  } catch {
    hash = null; // a stored time the current rule cannot hash
  }
  if (hash !== event.hash) return { ok: false, problem: 'edited', ...at };
  if (event.signature === null || event.keyId === null) {
    return keys.anchored ? { ok: false, problem: 'unsigned', ...at } : null;
  }
  const statement = caseChain.statement(caseId, event.seq, event.hash);
  const check = keys.check(statement, event.keyId, event.signature);
  if (check === 'valid') return null;
  return { ok: false, problem: check === 'unknown_key' ? 'unknown_key' : 'bad_signature', ...at };
}

/**
 * Checks a case's chain up to the row's `head`: all of it (from the genesis) when `from` is
 * null, else only the events after `from`, a head this process already checked — each must
 * link to the one before, hash as written and (with keys) carry its head's signature.
 */
export function checkCaseLinks(
  events: readonly CaseEventRow[],
  from: AuditHead | null,
  head: AuditHead,
  keys: AuditKeys,
): LinkCheck {
  if (from === null) return verifyChain(events, head, { keys }, caseChain);
  let prev = from;
  for (const event of events) {
    if (event.hashVersion !== HASH_VERSION) return { ok: false, problem: 'rehash' };
    const problem = linkProblem(event, prev, keys);
    if (problem) return problem;
    prev = { seq: event.seq, hash: event.hash };
  }
  if (prev.seq !== head.seq || prev.hash !== head.hash)
    return { ok: false, problem: 'edited', seq: head.seq, eventId: null };
  return { ok: true, events: events.length, hashRules: hashRulesOf(events) };
}
