import { describe, expect, it } from 'vitest';
import { isInvalidRequestError } from '../../src/errors/invalidRequestError.js';
import type { ProposalContext } from '../../src/pipeline/proposalRequest.js';
import { payer, rejectionOf, useHarness } from './fixtures.js';

const h = useHarness();

/** Proposes with arguments of any shape, as untyped host code can. */
function proposeUntyped(toolRef: unknown, actorId: unknown, context: unknown) {
  return h.gov.propose(toolRef as string, actorId as string, context as ProposalContext);
}

/** Expects the call to fail with an InvalidRequestError with issues and to write nothing. */
async function expectInvalidRequest(call: () => Promise<unknown>) {
  const before = await h.counts();
  // Deferred, so a synchronous throw is checked here too (its own test is below).
  const error = await rejectionOf(Promise.resolve().then(call));
  expect(isInvalidRequestError(error)).toBe(true);
  expect(error).toMatchObject({ code: 'invalid_request', name: 'InvalidRequestError' });
  if (!isInvalidRequestError(error)) return;
  expect(error.issues.length).toBeGreaterThan(0);
  expect(await h.counts()).toEqual(before);
}

const goodInput = { orderId: 'o-1', cents: 5 };

describe('a context that is not an object', () => {
  it.each([
    ['null', null],
    ['a string', 'str'],
    ['a number', 42],
    ['an array', [goodInput]],
    ['undefined', undefined],
  ])('throws InvalidRequestError for %s and writes no row', async (_label, context) => {
    await expectInvalidRequest(() => proposeUntyped('refund', 'agent-1', context));
  });

  it('names the context in the issues', async () => {
    const error = await rejectionOf(
      Promise.resolve().then(() => proposeUntyped('refund', 'agent-1', 'str')),
    );
    if (!isInvalidRequestError(error)) throw error;
    expect(error.issues[0]?.path).toEqual(['context']);
  });

  it('is reported by propose as a rejected promise, not a synchronous throw', async () => {
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = proposeUntyped('refund', 'agent-1', null);
    }).not.toThrow();
    expect(isInvalidRequestError(await rejectionOf(pending!))).toBe(true);
  });

  it('is reported by validate as a rejected promise, not a synchronous throw', async () => {
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = h.gov.validate('refund', 'agent-1', null as never);
    }).not.toThrow();
    expect(isInvalidRequestError(await rejectionOf(pending!))).toBe(true);
  });
});

describe('a bad actor id', () => {
  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['a number', 7],
    ['null', null],
    ['an object', { id: 'agent-1' }],
    ['longer than 256 characters', 'a'.repeat(257)],
  ])('throws InvalidRequestError when it is %s', async (_label, actorId) => {
    await expectInvalidRequest(() =>
      proposeUntyped('refund', actorId, { input: goodInput, ...payer }),
    );
  });
});

describe('context fields', () => {
  it.each([
    ['a misspelt field (scope for scopes)', { input: goodInput, scope: ['payments:write'] }],
    ['an unknown field', { input: goodInput, ...payer, tenant: 'acme' }],
    ['scopes as a string', { input: goodInput, scopes: 'payments:write' }],
    ['a numeric conversationId', { input: goodInput, conversationId: 42 }],
    ['a blank idempotencyKey', { input: goodInput, idempotencyKey: ' ' }],
  ])('throws InvalidRequestError for %s', async (_label, context) => {
    await expectInvalidRequest(() => proposeUntyped('refund', 'agent-1', context));
  });

  it.each([
    ['a number', 42],
    ['an object without a name', { version: '1' }],
    ['an object with an extra field', { name: 'refund', tenant: 'acme' }],
    ['an empty name', ''],
  ])('throws InvalidRequestError for a tool reference that is %s', async (_label, ref) => {
    await expectInvalidRequest(() => proposeUntyped(ref, 'agent-1', { input: goodInput }));
  });
});

describe('wrong input types', () => {
  it.each([
    ['wrong field types', { orderId: 5, cents: 'ten' }],
    ['a string instead of an object', 'refund o-1'],
    ['null', null],
    ['an array', [goodInput]],
  ])('stores one blocked needs_input proposal for %s', async (_label, input) => {
    const before = await h.counts();
    const result = await h.gov.propose('refund', 'agent-2', { input, ...payer });
    expect(result).toMatchObject({ ok: false, outcome: 'needs_input' });
    expect(result.proposal).toMatchObject({ status: 'blocked', outcome: 'needs_input' });
    expect(await h.counts()).toEqual({
      proposals: before.proposals + 1,
      events: before.events + 1,
    });
  });
});

describe('unknown fields in the input', () => {
  it('strips them with a default z.object, so the stored snapshot lacks them', async () => {
    const input = { ...goodInput, orderId: 'o-strip', injected: { admin: true } };
    const result = await h.gov.propose('refund', 'agent-3', { input, ...payer });
    if (!result.ok) throw new Error(`expected a proposal, got ${result.outcome}`);
    expect(result.proposal.inputSnapshot).toEqual({ orderId: 'o-strip', cents: 5 });
    const [row] = await h.sql.query<{ has: boolean }>(
      `select jsonb_exists(input_snapshot, 'injected') as has from tool_proposals where id = ?`,
      [result.proposal.id],
    );
    expect(row?.has).toBe(false);
  });

  it('blocks them as needs_input with a z.strictObject', async () => {
    const before = await h.counts();
    const result = await h.gov.propose('strict_note', 'agent-3', {
      input: { text: 'hi', injected: true },
    });
    if (result.ok || result.outcome !== 'needs_input') throw new Error('expected needs_input');
    expect(result.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['injected'] }),
    ]);
    expect(await h.counts()).toEqual({
      proposals: before.proposals + 1,
      events: before.events + 1,
    });
  });
});

describe('SQL-looking text', () => {
  const evil = `'); drop table tool_proposals; --`;

  it('is stored verbatim in the input, actor and conversation, and the tables survive', async () => {
    const input = { orderId: evil, cents: 5, note: `"; delete from tool_action_events; \\` };
    const result = await h.gov.propose('refund', `${evil}actor`, {
      input,
      ...payer,
      conversationId: evil,
      idempotencyKey: evil,
    });
    if (!result.ok) throw new Error(`expected a proposal, got ${result.outcome}`);
    const stored = await h.gov.getProposal(result.proposal.id);
    expect(stored?.inputSnapshot).toEqual(input);
    expect(stored?.actorId).toBe(`${evil}actor`);
    expect(stored?.conversationId).toBe(evil);
    const listed = await h.gov.listProposalsForConversation(evil);
    expect(listed.map((p) => p.id)).toEqual([result.proposal.id]);
    const [tables] = await h.sql.query<{ proposals: string | null; events: string | null }>(
      `select to_regclass('tool_proposals')::text as proposals,
              to_regclass('tool_action_events')::text as events`,
    );
    expect(tables).toEqual({ proposals: 'tool_proposals', events: 'tool_action_events' });
    expect((await h.counts()).events).toBeGreaterThan(0);
  });
});

/** A class whose instances inherit from Date.prototype without being Dates. */
class DateLike {}
Object.setPrototypeOf(DateLike.prototype, Date.prototype);

/** A Proxy whose every trap throws, as a hostile host value can. */
const throwingProxy = () =>
  new Proxy(
    {},
    {
      ownKeys: () => {
        throw new TypeError('trap');
      },
      get: () => {
        throw new TypeError('trap');
      },
      getPrototypeOf: () => {
        throw new TypeError('trap');
      },
    },
  );

const exoticValues: [string, () => unknown][] = [
  ['an object whose prototype is a Date', () => Object.create(new Date(0)) as unknown],
  ['{ __proto__: new Date(0) }', () => ({ __proto__: new Date(0) })],
  ['an instance of a class with a Date prototype chain', () => new DateLike()],
  ['a Proxy of a Date', () => new Proxy(new Date(0), {})],
  ['a Proxy whose traps throw', throwingProxy],
  [
    'a Date whose own toJSON throws',
    () =>
      Object.assign(new Date(0), {
        toJSON: () => {
          throw new TypeError('trap');
        },
      }),
  ],
  [
    'an object with a getter that throws',
    () => ({
      get text() {
        throw new TypeError('getter');
      },
    }),
  ],
  ['a Map', () => new Map([['a', 1]])],
  ['a RegExp', () => /refund/],
  ['a typed array', () => new Uint8Array(2)],
];

describe('exotic values in the input', () => {
  it.each(exoticValues)(
    'stores one blocked needs_input proposal for %s, at the top or nested',
    async (_label, make) => {
      for (const input of [make(), { nested: [make()] }]) {
        const before = await h.counts();
        const result = await h.gov.propose('loose', 'agent-4', { input });
        if (result.ok || result.outcome !== 'needs_input') throw new Error('expected needs_input');
        expect(result.issues).toHaveLength(1);
        // No text of the host's own errors is stored with the blocked proposal.
        expect(JSON.stringify(result.issues)).not.toMatch(/trap|getter|not a Date object/);
        expect(await h.counts()).toEqual({
          proposals: before.proposals + 1,
          events: before.events + 1,
        });
      }
    },
  );

  it('names where a Date-like object stands', async () => {
    const input = { at: [Object.create(new Date(0)) as unknown] };
    const result = await h.gov.propose('loose', 'agent-4', { input });
    if (result.ok || result.outcome !== 'needs_input') throw new Error('expected needs_input');
    expect(result.issues).toEqual([expect.objectContaining({ path: ['at', 0] })]);
  });

  it.each(exoticValues)('throws InvalidRequestError when the context is %s', async (_l, make) => {
    await expectInvalidRequest(() => proposeUntyped('refund', 'agent-4', make()));
  });

  it('throws InvalidRequestError when the tool reference is a Proxy whose traps throw', async () => {
    await expectInvalidRequest(() =>
      proposeUntyped(throwingProxy(), 'agent-4', { input: goodInput }),
    );
  });
});
