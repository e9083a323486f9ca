import { casePersistence } from '../../machines/caseSnapshot.js';
import type { CaseContext, CaseEvent, CaseInput, PolicyBody } from '../../machines/caseTypes.js';
import { restoreSnapshot, runPersistedCycle } from '../../machines/persistedActor.js';
import type { CycleStart, CycleState } from '../../machines/persistedActor.js';
import type { AuditHead, CaseEventRow, CaseRow } from '../../persistence/rows.js';
import { canonicalJson } from '../canonicalJson.js';
import { CASE_CHAIN_RULE } from './caseTransition.js';

type CaseMachine = typeof casePersistence.machine;
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a case's chain proves: the state its events lead to, and how far they go. */
export interface ChainedCase {
  head: AuditHead;
  /** The case machine's persisted snapshot after the chain's last event. */
  persisted: Json;
  status: string;
  context: CaseContext;
  /** Events the chain records a cause for, the opening included. */
  causes: number;
  /** The opening's counting rule: 2 proves the version; 1 (older cases) only bounds it. */
  rule: number;
}

/** A replayed chain, or the event where the replay broke. */
export type CaseReplay =
  { ok: true; chained: ChainedCase } | { ok: false; event: CaseEventRow | null; detail: string };

/** Where a row disagrees with its chain: the row's field (or `chain`) and why. */
export interface CaseDisagreement {
  field: string;
  detail: string;
}

/**
 * Checks that the chain events from `at` are exactly the audit effects `state` emitted for
 * `cause`, in order, each by the same actor and with the payload the runtime records.
 */
function matches(
  state: CycleState<CaseMachine>,
  cause: Json,
  events: readonly CaseEventRow[],
  at: number,
): number | string {
  if (state.effects.some((e) => e.type === 'refused')) return 'the case machine refuses it';
  const audits = state.effects.flatMap((e) => (e.type === 'audit' ? [e] : []));
  if (audits.length === 0) return 'the case machine records nothing for it';
  for (const [i, audit] of audits.entries()) {
    const event = events[at + i];
    if (
      !event ||
      event.type !== audit.event ||
      event.actorId !== audit.actorId ||
      canonicalJson(event.payload) !== canonicalJson({ ...audit.data, ...cause })
    )
      return `the case machine does not record this ${event?.type ?? 'end'} here`;
  }
  return audits.length;
}

/** The state a chain's opening proves, or why it proves none. */
function opening(caseId: string, events: readonly CaseEventRow[]) {
  const first = events[0];
  const payload = isObject(first?.payload) ? first.payload : {};
  const input = payload.caseInput;
  if (!first || first.seq !== 1 || !isObject(input) || input.caseId !== caseId)
    return 'the chain has no opening of this case';
  const rule = payload.caseRule ?? 1;
  if (rule !== 1 && rule !== CASE_CHAIN_RULE)
    return `the opening's rule ${String(rule)} is unknown`;
  const cycle = runPersistedCycle(
    casePersistence.machine,
    { input: input as unknown as CaseInput },
    [],
  );
  if (!cycle.ok) return `the case machine cannot open it: ${cycle.detail}`;
  const cause = { caseInput: input, ...('caseRule' in payload ? { caseRule: rule } : {}) };
  const used = matches(cycle.start, cause, events, 0);
  return typeof used === 'string' ? used : { state: cycle.start, used, rule };
}

/**
 * Replays chain events through the case machine: from the opening (the first event's case
 * input), or after `from`, a prefix already replayed. Each event must be an audit effect the
 * machine emits for the case event it records. Pure; never throws on a stored value.
 */
export function replayCaseChain(
  caseId: string,
  events: readonly CaseEventRow[],
  from: ChainedCase | null,
): CaseReplay {
  const fail = (event: CaseEventRow | null, detail: string): CaseReplay => ({
    ok: false,
    event,
    detail,
  });
  let state: Pick<CycleState<CaseMachine>, 'persisted' | 'value' | 'context'>;
  let at = 0;
  let { causes = 0, rule = CASE_CHAIN_RULE } = from ?? {};
  if (from) {
    state = { persisted: from.persisted, value: from.status, context: from.context };
  } else {
    const opened = opening(caseId, events);
    if (typeof opened === 'string') return fail(events[0] ?? null, opened);
    ({ state, rule } = opened);
    at = opened.used;
    causes = 1;
  }
  while (at < events.length) {
    const event = events[at]!;
    const cause = isObject(event.payload) ? event.payload.event : undefined;
    if (!isObject(cause) || typeof cause.type !== 'string')
      return fail(event, 'the event records no case event to replay');
    const start: CycleStart<CaseMachine> = { snapshot: state.persisted as never };
    const cycle = runPersistedCycle(casePersistence.machine, start, [cause as CaseEvent]);
    if (!cycle.ok) return fail(event, `the case machine cannot replay it: ${cycle.detail}`);
    const used = matches(cycle.states[0]!, { event: cause }, events, at);
    if (typeof used === 'string') return fail(event, used);
    state = cycle.states[0]!;
    at += used;
    causes += 1;
  }
  const last = events.at(-1);
  const head = last ? { seq: last.seq, hash: last.hash } : from!.head;
  const { persisted, value, context } = state;
  return { ok: true, chained: { head, persisted, status: String(value), context, causes, rule } };
}

/**
 * Whether a policy version's body is the one a case was opened under: the budgets its
 * ledger started from and its budget rule must be the body's (its hash is checked on read).
 */
export function openedUnder(chained: ChainedCase, body: PolicyBody): CaseDisagreement | null {
  const levels = Object.entries(chained.context.ledger.levels).map(([p, l]) => [p, l.limit]);
  if (canonicalJson(Object.fromEntries(levels)) !== canonicalJson(body.budgets ?? {}))
    return { field: 'ledger', detail: "the ledger's levels are not its policy's budgets" };
  if (chained.context.onBudgetExhausted !== (body.onBudgetExhausted ?? 'block'))
    return { field: 'snapshot', detail: "the budget rule is not its policy's" };
  return null;
}

// The canonical text of a proven snapshot, worked out once: a hot case compares it per read.
const texts = new WeakMap<Json, string>();
const textOf = (persisted: Json) => {
  let text = texts.get(persisted);
  if (text === undefined) texts.set(persisted, (text = canonicalJson(persisted)));
  return text;
};

/**
 * The first field of a case row that is not what its chain leads to: status, policy, head,
 * deadline, ledger, snapshot, then version (under rule 1 only at least the chain's count).
 */
export function rowDisagreement(row: CaseRow, chained: ChainedCase): CaseDisagreement | null {
  const { context } = chained;
  const expected: [keyof CaseRow, unknown][] = [
    ['status', chained.status],
    ['policyName', context.policy.name],
    ['policyVersion', context.policy.version],
    ['policyHash', context.policy.hash],
    ['auditSeq', chained.head.seq],
    ['auditHead', chained.head.hash],
    ['deadline', context.deadline],
    ['createdBy', context.createdBy],
  ];
  for (const [field, value] of expected) {
    if (row[field] !== value) return { field, detail: `the case's ${field} is not its chain's` };
  }
  const restored = restoreSnapshot(casePersistence, row);
  const stored = restored.ok ? (restored.snapshot as unknown as Json) : null;
  const ledger = isObject(stored?.context) ? stored.context.ledger : undefined;
  if (canonicalJson(ledger) !== canonicalJson(context.ledger))
    return { field: 'ledger', detail: "the case's ledger is not what its chain leads to" };
  if (!stored || canonicalJson(stored) !== textOf(chained.persisted))
    return { field: 'snapshot', detail: "the case's snapshot is not what its chain leads to" };
  const version =
    chained.rule === 1 ? row.version >= chained.causes : row.version === chained.causes;
  if (!version) return { field: 'version', detail: "the case's version is not its chain's" };
  return null;
}
