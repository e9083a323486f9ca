import { describe, expect, it } from 'vitest';
import { isDatabaseError } from '../../src/errors/databaseError.js';
import { payer, refundRun, useHarness } from './fixtures.js';

/** The call digest the first event records: a SHA-256. */
const DIGEST = expect.stringMatching(/^[0-9a-f]{64}$/);

const h = useHarness();

let policies = 0;
/** A new case under a policy that allows everything. */
async function openCase(): Promise<string> {
  const name = `open-${(policies += 1)}`;
  await h.gov.definePolicy(name, {}, { actorId: 'admin' });
  const created = await h.gov.createCase({ policy: name, actorId: 'admin' });
  if (!created.ok) throw new Error(`no case: ${created.error}`);
  return created.case.id;
}

describe('unknown tool', () => {
  it('returns unsupported / unknown_tool and writes no row', async () => {
    const before = await h.counts();
    const result = await h.gov.propose('wire_money', 'agent-1', { input: { cents: 1 } });
    expect(result).toEqual({
      ok: false,
      outcome: 'unsupported',
      reason: 'unknown_tool',
      proposal: null,
    });
    expect(await h.counts()).toEqual(before);
  });

  it('writes no row for an unknown version of a known tool', async () => {
    const before = await h.counts();
    const result = await h.gov.propose({ name: 'refund', version: '7' }, 'agent-1', {
      input: { orderId: 'o-1', cents: 1 },
      ...payer,
    });
    expect(result.ok).toBe(false);
    expect(result.proposal).toBeNull();
    expect(await h.counts()).toEqual(before);
  });
});

describe('a known tool blocked by a gate', () => {
  it.each([
    ['gate 1', 'needs_input', 'invalid_input', { input: { orderId: 'o-1', cents: 'ten' } }],
    [
      'gate 2',
      'scope_invalid',
      'missing scopes: payments:write',
      { input: { orderId: 'o-1', cents: 5 } },
    ],
    [
      'gate 3',
      'policy_denied',
      'over_refund_limit',
      { input: { orderId: 'o-1', cents: 500_000 }, ...payer },
    ],
  ] as const)(
    '%s: stores one blocked proposal and one proposal_blocked event',
    async (_gate, outcome, reason, context) => {
      const before = await h.counts();
      const result = await h.gov.propose('refund', 'agent-2', context);
      if (result.ok || !result.proposal) throw new Error('expected a stored blocked proposal');
      expect(result).toMatchObject({ outcome, reason });
      expect(result.proposal).toMatchObject({
        status: 'blocked',
        outcome,
        reason,
        toolName: 'refund',
        toolVersion: '1',
        actorId: 'agent-2',
        idempotencyKey: null,
      });
      expect(await h.counts()).toEqual({
        proposals: before.proposals + 1,
        events: before.events + 1,
      });
      const events = await h.gov.listEvents(result.proposal.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ seq: 1, type: 'proposal_blocked', actorId: 'agent-2' });
      expect(events[0]?.payload).toEqual({ outcome, reason, callDigest: DIGEST });
      expect(await h.gov.getProposal(result.proposal.id)).toEqual(result.proposal);
    },
  );

  it('stores the zod issues of an input blocked at gate 1', async () => {
    const result = await h.gov.propose('refund', 'agent-2', {
      input: { orderId: 'o-1', cents: 'ten' },
    });
    if (result.ok || !result.proposal) throw new Error('expected a stored blocked proposal');
    expect(result.issues).toEqual([expect.objectContaining({ path: ['cents'] })]);
    const stored = await h.gov.getProposal(result.proposal.id);
    expect(stored?.issues).toEqual([
      expect.objectContaining({ path: ['cents'], code: 'invalid_type' }),
    ]);
    expect(stored?.inputSnapshot).toBeNull();
  });

  it('keeps the validated input of a call that passed gate 1 but was blocked later', async () => {
    const result = await h.gov.propose('refund', 'agent-2', {
      input: { orderId: ' o-9 ', cents: 5 },
    });
    if (result.ok || !result.proposal) throw new Error('expected a stored blocked proposal');
    expect(result.outcome).toBe('scope_invalid');
    // Proposal.inputSnapshot is documented as null only for a proposal blocked at the input gate.
    expect(result.proposal.inputSnapshot).toEqual({ orderId: 'o-9', cents: 5 });
  });
});

describe('a call that passes every gate', () => {
  it('stores one proposal and one proposal_created event', async () => {
    const before = await h.counts();
    const result = await h.gov.propose('refund', 'agent-3', {
      input: { orderId: ' o-3 ', cents: 700 },
      ...payer,
      conversationId: 'conv-success',
    });
    if (!result.ok) throw new Error(`expected a proposal, got ${result.outcome}`);
    expect(result.duplicate).toBe(false);
    expect(result.proposal).toMatchObject({
      status: 'proposed',
      outcome: null,
      reason: null,
      riskTier: 'high',
      approvalMode: 'requires_approval',
      conversationId: 'conv-success',
      inputSnapshot: { orderId: 'o-3', cents: 700 },
      actorSnapshot: { actorId: 'agent-3', policy: 'allowed', scopes: ['payments:write'] },
    });
    expect(result.proposal.idempotencyKey).toMatch(/^[0-9a-f]{64}$/);
    expect(await h.counts()).toEqual({
      proposals: before.proposals + 1,
      events: before.events + 1,
    });
    const [event] = await h.gov.listEvents(result.proposal.id);
    expect(event).toMatchObject({ seq: 1, type: 'proposal_created', actorId: 'agent-3' });
    expect(event?.payload).toEqual({
      riskTier: 'high',
      approvalMode: 'requires_approval',
      idempotencyKey: result.proposal.idempotencyKey,
      callDigest: DIGEST,
    });
    expect(await h.gov.getProposal(result.proposal.id)).toEqual(result.proposal);
  });

  it('never runs the tool', async () => {
    const result = await h.gov.propose('refund', 'agent-3', {
      input: { orderId: 'o-never-run', cents: 1 },
      ...payer,
    });
    expect(result).toMatchObject({ ok: true, duplicate: false });
    expect(refundRun).not.toHaveBeenCalled();
  });
});

describe('duplicates', () => {
  const call = { input: { orderId: 'dup-1', cents: 100 }, ...payer, conversationId: 'conv-dup' };

  it('returns the existing proposal with duplicate: true and writes nothing', async () => {
    const first = await h.gov.propose('refund', 'agent-4', call);
    if (!first.ok) throw new Error('expected a proposal');
    const before = await h.counts();
    const second = await h.gov.propose('refund', 'agent-4', call);
    expect(second).toEqual({ ok: true, duplicate: true, proposal: first.proposal });
    expect(await h.counts()).toEqual(before);
  });

  it('treats inputs equal after parsing (key order, trimming, stripped fields) as one', async () => {
    const first = await h.gov.propose('refund', 'agent-4', call);
    const reordered = await h.gov.propose('refund', 'agent-4', {
      ...call,
      input: { cents: 100, orderId: '  dup-1 ', ignored: true },
    });
    expect(reordered).toMatchObject({ ok: true, duplicate: true });
    expect(reordered.proposal?.id).toBe(first.proposal?.id);
  });

  it('gives 20 identical racing calls exactly one row, one event and 19 duplicates', async () => {
    const before = await h.counts();
    const race = { input: { orderId: 'race-1', cents: 42 }, ...payer, conversationId: 'conv-race' };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h.gov.propose('refund', 'agent-5', race)),
    );
    const ids = new Set(results.map((r) => r.proposal?.id));
    expect(ids.size).toBe(1);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.ok && r.duplicate)).toHaveLength(19);
    expect(await h.counts()).toEqual({
      proposals: before.proposals + 1,
      events: before.events + 1,
    });
  });

  it.each([
    ['a caller idempotencyKey', { idempotencyKey: 'retry-2' }],
    ['a different conversationId', { conversationId: 'conv-other' }],
    ['a different caseId', 'case'],
    ['a different input', { input: { orderId: 'dup-1', cents: 101 } }],
  ] as const)('distinguishes otherwise identical calls by %s', async (_label, given) => {
    // A call in a case names a case that exists.
    const change = given === 'case' ? { caseId: await openCase() } : given;
    const base = await h.gov.propose('refund', 'agent-6', call);
    const before = await h.counts();
    const other = await h.gov.propose('refund', 'agent-6', { ...call, ...change });
    expect(other).toMatchObject({ ok: true, duplicate: false });
    expect(other.proposal?.id).not.toBe(base.proposal?.id);
    expect(await h.counts()).toEqual({
      proposals: before.proposals + 1,
      events: before.events + 1,
    });
    const again = await h.gov.propose('refund', 'agent-6', { ...call, ...change });
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(again.proposal?.id).toBe(other.proposal?.id);
  });

  it('distinguishes different actors', async () => {
    const a = await h.gov.propose('refund', 'agent-7a', call);
    const b = await h.gov.propose('refund', 'agent-7b', call);
    expect(a.proposal?.id).not.toBe(b.proposal?.id);
    expect(b).toMatchObject({ ok: true, duplicate: false });
  });
});

describe('a failure between the proposal insert and the event insert', () => {
  it('rejects with a DatabaseError and leaves neither row', async () => {
    await h.sql.query(
      `create function countersign_test_fail() returns trigger language plpgsql as $$
         begin raise exception 'injected event failure'; end $$`,
    );
    await h.sql.query(
      `create trigger countersign_test_fail before insert on tool_action_events
         for each row execute function countersign_test_fail()`,
    );
    try {
      const before = await h.counts();
      const error = await h.gov
        .propose('refund', 'agent-8', {
          input: { orderId: 'fail-1', cents: 10 },
          ...payer,
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(isDatabaseError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'database' });
      // The driver's words stay in the cause; the message names the operation and SQLSTATE.
      expect(String((error as Error).message)).not.toContain('injected event failure');
      expect(error).toMatchObject({ operation: 'propose', sqlState: 'P0001' });
      expect(String(((error as Error).cause as Error).message)).toContain('injected event failure');
      expect(await h.counts()).toEqual(before);

      const blocked = await h.gov
        .propose('refund', 'agent-8', { input: { orderId: 'fail-2', cents: 'x' } })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(isDatabaseError(blocked)).toBe(true);
      expect(await h.counts()).toEqual(before);
    } finally {
      await h.sql.query('drop trigger countersign_test_fail on tool_action_events');
      await h.sql.query('drop function countersign_test_fail()');
    }
    const retried = await h.gov.propose('refund', 'agent-8', {
      input: { orderId: 'fail-1', cents: 10 },
      ...payer,
    });
    expect(retried).toMatchObject({ ok: true, duplicate: false });
  });
});
