import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/index.js';
import { httpTools, people, useHttpSuite } from './support/httpHarness.js';
import type { JsonBody, Person } from './support/httpHarness.js';
import type { Sql } from '../workers/support/sideEffectTools.js';

// `guarded` fails gate 1 on an empty tag, gate 2 without `ship:write`, gate 3 on `deny`.
const tools = (sql: Sql) => [
  ...httpTools(sql),
  defineTool({
    name: 'guarded',
    input: z.object({ tag: z.string().min(1), deny: z.boolean().optional() }),
    riskTier: 'high',
    approvalMode: 'requires_approval',
    requiredScopes: ['ship:write'],
    authorize: (_actor, input) =>
      input.deny ? { allow: false, reason: 'denied: the tag is frozen' } : { allow: true },
    run: async () => ({ done: true }),
  }),
];

// Whatever differs between two equal calls: ids, times, hashes, and the conversation each
// call was made in (the one field the two sides set apart).
const volatile = new Set([
  'id',
  'proposal_id',
  'created_at',
  'audit_head',
  'idempotency_key',
  'idempotencyKey',
  'prev_hash',
  'hash',
  'signature',
  'position',
  'xact',
  'callDigest',
  'conversation_id',
  'conversationId',
  'taskId',
  'timestamp',
]);

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !volatile.has(key))
      .map(([key, v]) => [key, stable(v)]),
  );
}

interface Combo {
  name: string;
  who: Person;
  tool: string;
  input: Record<string, unknown>;
  scopes?: string[];
  inCase?: 'allowlist' | 'budget';
  expected: string;
}

const empty = { tag: '', deny: true };
const combos: Combo[] = [
  { name: 'gates 0 and 2', who: 'approver', tool: 'nope', input: empty, expected: 'unsupported' },
  {
    name: 'gates 1, 2, 3',
    who: 'approver',
    tool: 'guarded',
    input: empty,
    expected: 'needs_input',
  },
  {
    name: 'gates 1 and 2',
    who: 'approver',
    tool: 'guarded',
    input: { tag: '' },
    expected: 'needs_input',
  },
  { name: 'gates 1 and 3', who: 'agent', tool: 'guarded', input: empty, expected: 'needs_input' },
  { name: 'gate 1', who: 'agent', tool: 'guarded', input: { tag: '' }, expected: 'needs_input' },
  {
    name: 'gates 2 and 3',
    who: 'approver',
    tool: 'guarded',
    input: { tag: 'a', deny: true },
    expected: 'scope_invalid',
  },
  {
    name: 'gate 2',
    who: 'approver',
    tool: 'guarded',
    input: { tag: 'a' },
    expected: 'scope_invalid',
  },
  // A token cannot widen its scopes by declaring them; it can narrow them.
  {
    name: 'gate 2, scopes declared',
    who: 'approver',
    tool: 'guarded',
    input: { tag: 'a' },
    scopes: ['ship:write'],
    expected: 'scope_invalid',
  },
  {
    name: 'gate 2, scopes narrowed',
    who: 'agent',
    tool: 'guarded',
    input: { tag: 'a' },
    scopes: [],
    expected: 'scope_invalid',
  },
  {
    name: 'gate 3',
    who: 'agent',
    tool: 'guarded',
    input: { tag: 'a', deny: true },
    expected: 'policy_denied',
  },
  {
    name: 'gates 2 and 4',
    who: 'approver',
    tool: 'guarded',
    input: { tag: 'a' },
    inCase: 'allowlist',
    expected: 'scope_invalid',
  },
  {
    name: 'gates 3 and 4',
    who: 'agent',
    tool: 'guarded',
    input: { tag: 'a', deny: true },
    inCase: 'allowlist',
    expected: 'policy_denied',
  },
  {
    name: 'gates 4 and 5',
    who: 'agent',
    tool: 'guarded',
    input: { tag: 'a' },
    inCase: 'allowlist',
    expected: 'allowlist_violation',
  },
  {
    name: 'gates 1 and 5',
    who: 'agent',
    tool: 'guarded',
    input: { tag: '' },
    inCase: 'budget',
    expected: 'needs_input',
  },
  {
    name: 'gate 5',
    who: 'agent',
    tool: 'guarded',
    input: { tag: 'a' },
    inCase: 'budget',
    expected: 'budget_exceeded',
  },
  { name: 'no gate', who: 'agent', tool: 'guarded', input: { tag: 'a' }, expected: 'ok' },
];

describe('HTTP API: the gates judge a call as in-process, in the same precedence', () => {
  const s = useHttpSuite({ startWorkers: false, tools });
  const cases = {} as Record<'allowlist' | 'budget', string>;

  /** The proposal and event rows of a conversation, and its case's receipts, made comparable. */
  async function rowsOf(conversationId: string, caseId: string | undefined) {
    const proposals = await s.h.sql.query<{ row: JsonBody }>(
      `select to_jsonb(p) as row from tool_proposals p where conversation_id = ?`,
      [conversationId],
    );
    const events = await s.h.sql.query<{ row: JsonBody }>(
      `select to_jsonb(e) as row from tool_action_events e
         join tool_proposals p on p.id = e.proposal_id
        where p.conversation_id = ? order by e.seq`,
      [conversationId],
    );
    const ids = new Set(proposals.map((p) => p.row.id as string));
    const receipts = caseId
      ? (await s.h.gov.listReceipts(caseId)).filter((r) => ids.has(r.taskId ?? ''))
      : [];
    return stable({
      proposals: proposals.map((p) => p.row),
      events: events.map((e) => e.row),
      receipts: JSON.parse(JSON.stringify(receipts)),
    });
  }

  it.each(combos)('$name: $expected both ways', async (combo) => {
    if (!cases.allowlist) {
      await s.h.gov.definePolicy(
        'only-lookup',
        { allowlists: { '/': ['lookup'] }, budgets: { '/': { maxEffects: 0 } } },
        { actorId: 'admin' },
      );
      await s.h.gov.definePolicy(
        'spent',
        { budgets: { '/': { maxEffects: 0 } } },
        { actorId: 'admin' },
      );
      for (const [kind, policy] of [
        ['allowlist', 'only-lookup'],
        ['budget', 'spent'],
      ] as const) {
        const made = await s.h.gov.createCase({ policy, actorId: 'admin' });
        if (!made.ok) throw new Error(made.error);
        cases[kind] = made.case.id;
      }
    }
    const caseId = combo.inCase ? cases[combo.inCase] : undefined;
    const context = (conversationId: string) => ({
      input: combo.input,
      conversationId,
      ...(combo.scopes ? { scopes: combo.scopes } : {}),
      ...(caseId ? { caseId } : {}),
    });
    const local = `local ${combo.name}`;
    const remote = `http ${combo.name}`;

    const inProcess = await s.h.gov.propose(combo.tool, people[combo.who].actorId, context(local));
    const overHttp = await s.call(combo.who, 'POST', '/proposals', {
      tool: combo.tool,
      ...context(remote),
    });

    const localOutcome = inProcess.ok ? 'ok' : inProcess.outcome;
    const httpOutcome =
      overHttp.status === 201
        ? 'ok'
        : overHttp.status === 404
          ? 'unsupported'
          : overHttp.body.outcome;
    expect(localOutcome).toBe(combo.expected);
    expect(httpOutcome).toBe(combo.expected);
    expect(overHttp.status).toBe({ ok: 201, unsupported: 404 }[combo.expected] ?? 422);
    if (!inProcess.ok && inProcess.outcome !== 'unsupported') {
      // The blocked answer is the facade's result, with the error body's two fields.
      expect(overHttp.body).toMatchObject({
        error: inProcess.outcome,
        reason: inProcess.reason,
        message: expect.any(String),
      });
      expect(overHttp.body.issues).toEqual(
        JSON.parse(JSON.stringify(inProcess.issues ?? null)) ?? undefined,
      );
    }
    const localRows = await rowsOf(local, caseId);
    expect(await rowsOf(remote, caseId)).toEqual(localRows);
    // An unknown tool stores nothing; every other call, blocked or not, one proposal; a case
    // gate's refusal also a receipt in the case.
    const { proposals, receipts } = localRows as { proposals: unknown[]; receipts: unknown[] };
    expect(proposals).toHaveLength(combo.expected === 'unsupported' ? 0 : 1);
    const caseGate = ['allowlist_violation', 'budget_exceeded'].includes(combo.expected);
    expect(receipts).toHaveLength(caseGate ? 1 : 0);
  });
});
