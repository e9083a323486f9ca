import { randomUUID } from 'node:crypto';
import { casePersistence } from '../../machines/caseSnapshot.js';
import type { CaseEffect, CaseEvent, CaseInput } from '../../machines/caseTypes.js';
import { restoreSnapshot, runPersistedCycle } from '../../machines/persistedActor.js';
import type { CycleStart, CycleState } from '../../machines/persistedActor.js';
import type { CaseWrite } from '../../persistence/case.repository.js';
import { isUuid } from '../../persistence/batchSlots.js';
import type { AuditHead, CaseRow, StoredJson } from '../../persistence/rows.js';
import { GENESIS_HASH, caseChain, linkEvents } from '../audit/auditChain.js';
import type { AuditKeys } from '../audit/signing.js';
import { CaseSnapshotError } from '../errors/caseSnapshotError.js';

type CaseMachine = typeof casePersistence.machine;

/**
 * The counting rule a case's opening records (`caseRule`): under rule 2 its version is the
 * number of events its chain records causes for (the opening included), so the chain proves
 * it. Cases opened before (rule 1) also counted events that recorded nothing.
 */
export const CASE_CHAIN_RULE = 2;
export type CaseState = CycleState<CaseMachine>;

/** What events did to a case before anything is written: a refusal, or the write. */
export type CaseTransition =
  | { write: null; refused: { error: string; reason: string } | null }
  | { write: CaseWrite; state: CaseState; effects: CaseEffect[] };

/** The case's row after `state`: the snapshot and the columns that mirror it. */
export function caseRow(
  base: Pick<CaseRow, 'id' | 'createdAt' | 'conversationId'>,
  state: CaseState,
  version: number,
  head: AuditHead,
  at: string,
): CaseRow {
  const { context, value } = state;
  return {
    ...base,
    status: String(value),
    snapshot: state.persisted as Record<string, StoredJson>,
    machineId: casePersistence.id,
    machineVersion: casePersistence.version,
    version,
    policyName: context.policy.name,
    policyVersion: context.policy.version,
    policyHash: context.policy.hash,
    createdBy: context.createdBy,
    deadline: context.deadline,
    auditSeq: head.seq,
    auditHead: head.hash,
    updatedAt: at,
  };
}

// The proposal or lane an event is about, when it names one that can be an id.
const taskOf = (data: Record<string, unknown>): string | null => {
  const receipt = data.receipt as { taskId?: unknown } | undefined;
  const task = data.taskId ?? receipt?.taskId;
  return isUuid(task) ? task : null;
};

/** The case events that record `effects`; each carries what replays it. */
function chained(
  caseId: string,
  head: AuditHead,
  effects: readonly CaseEffect[],
  cause: { caseInput: CaseInput; caseRule: number } | { event: CaseEvent },
  keys: AuditKeys,
) {
  const unlinked = effects.flatMap((e) =>
    e.type === 'audit'
      ? [
          {
            id: randomUUID(),
            caseId,
            taskId: taskOf(e.data),
            type: e.event,
            actorId: e.actorId,
            createdAt: e.at,
            payload: { ...e.data, ...cause },
          },
        ]
      : [],
  );
  return linkEvents(caseChain, head, unlinked, keys);
}

function cycle(caseId: string, start: CycleStart<CaseMachine>, events: readonly CaseEvent[]) {
  const result = runPersistedCycle(casePersistence.machine, start, events);
  if (!result.ok) {
    throw new CaseSnapshotError('machine_error', caseId, `case ${result.detail}`, {
      cause: result.cause,
    });
  }
  return result;
}

/**
 * Runs the case machine for `events` on a case as read; all are written together (version
 * + 1 each, their audit events in order), or none if one is refused.
 */
export function transitionCase(
  row: CaseRow,
  events: readonly CaseEvent[],
  keys: AuditKeys,
): CaseTransition {
  if (events.length === 0) throw new Error('transitionCase needs at least one event');
  const restored = restoreSnapshot(casePersistence, row);
  if (!restored.ok) throw new CaseSnapshotError(restored.error, row.id, restored.detail);
  const { states } = cycle(row.id, { snapshot: restored.snapshot }, events);
  let head: AuditHead = { seq: row.auditSeq, hash: row.auditHead };
  const written: CaseWrite['events'][number][] = [];
  const effects: CaseEffect[] = [];
  let recorded = 0;
  for (const [i, event] of events.entries()) {
    const state = states[i]!;
    const refused = state.effects.find((e) => e.type === 'refused');
    if (refused) return { write: null, refused: { error: refused.error, reason: refused.reason } };
    const link = chained(row.id, head, state.effects, { event }, keys);
    head = link.head;
    written.push(...link.events);
    effects.push(...state.effects);
    if (link.events.length > 0) recorded += 1;
  }
  // An event that changed nothing and recorded nothing needs no write.
  if (written.length === 0) return { write: null, refused: null };
  const state = states.at(-1)!;
  // Only events the chain records count, so that the chain alone proves the version.
  const next = caseRow(row, state, row.version + recorded, head, events.at(-1)!.at);
  return {
    write: { row: next, expectedVersion: row.version, events: written },
    state,
    effects,
  };
}

/** A new case from `input`: its first row and the events that record the opening. */
export function openingCase(
  input: CaseInput,
  conversationId: string | null,
  keys: AuditKeys,
): CaseWrite {
  const { start } = cycle(input.caseId, { input }, []);
  const link = chained(
    input.caseId,
    { seq: 0, hash: GENESIS_HASH },
    start.effects,
    { caseInput: input, caseRule: CASE_CHAIN_RULE },
    keys,
  );
  const base = { id: input.caseId, createdAt: input.at, conversationId };
  return {
    row: caseRow(base, start, 1, link.head, input.at),
    expectedVersion: 0,
    events: link.events,
  };
}
