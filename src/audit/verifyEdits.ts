import type { EventRow, ProposalRow } from '../../persistence/rows.js';
import { canonicalJson, inputHash } from '../canonicalJson.js';
import { diffInputs } from '../lanes/inputDiff.js';
import { storedCallDigest } from './callDigest.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The hashes and digests approvers' edits put up, by lane; or the event whose edit lies. */
export type RecordedEdits =
  { ok: true; byLane: Map<string, Set<unknown>> } | { ok: false; event: EventRow; detail: string };

/**
 * Checks every edit an approval recorded against the stored proposal: the edited input
 * hashes to the hash recorded, the edit is of the proposal's input with exactly the change
 * recorded, and the digest recorded is the proposal's call with that input at the cost it
 * was judged at. What passes may then appear in that lane's later events.
 */
export function recordedEdits(proposal: ProposalRow, events: readonly EventRow[]): RecordedEdits {
  const original = inputHash(proposal.inputSnapshot);
  const byLane = new Map<string, Set<unknown>>();
  for (const event of events) {
    const sent = isObject(event.payload) ? event.payload.event : undefined;
    if (!isObject(sent) || sent.type !== 'APPROVE' || !isObject(sent.edit)) continue;
    const edit = sent.edit;
    const lies = (detail: string): RecordedEdits => ({ ok: false, event, detail });
    if (event.approvalId === null) return lies('an edit outside any lane');
    if (edit.inputHash !== inputHash(edit.input))
      return lies('the edited input does not hash to the hash its approval recorded');
    if (edit.originalInputHash !== original) return lies("the edit is not of the proposal's input");
    if (canonicalJson(edit.diff) !== canonicalJson(diffInputs(proposal.inputSnapshot, edit.input)))
      return lies('the recorded change is not the change the edit made');
    if (
      edit.callDigest !== storedCallDigest(proposal, { input: edit.input, cost: Number(edit.cost) })
    )
      return lies('the edited call does not have the digest its approval recorded');
    const known = byLane.get(event.approvalId) ?? new Set<unknown>();
    byLane.set(event.approvalId, known.add(edit.inputHash).add(edit.callDigest));
  }
  return { ok: true, byLane };
}
