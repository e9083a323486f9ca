import { describe, expect, it } from 'vitest';
import { isInvalidRequestError } from '../../src/errors/invalidRequestError.js';
import { rejectionOf, useHarness } from './fixtures.js';

const h = useHarness();

const oneMegabyte = 'x'.repeat(1024 * 1024);

/** Stored size of a proposal's blocked issues, in bytes of JSON text. */
async function storedIssueBytes(proposalId: string): Promise<number> {
  const [row] = await h.sql.query<{ bytes: number }>(
    `select coalesce(octet_length(blocked_issues::text), 0)::int as bytes
       from tool_proposals where id = ?`,
    [proposalId],
  );
  return row?.bytes ?? -1;
}

/** Expects exactly one blocked needs_input proposal (and its event) for the call. */
async function expectOneNeedsInput(call: () => Promise<unknown>) {
  const before = await h.counts();
  const result = (await call()) as { ok: boolean; outcome?: string; proposal: { id: string } };
  expect(result).toMatchObject({ ok: false, outcome: 'needs_input' });
  expect(await h.counts()).toEqual({
    proposals: before.proposals + 1,
    events: before.events + 1,
  });
  return result;
}

describe('oversized input', () => {
  it('blocks a 1 MB string as needs_input with exactly one blocked row', async () => {
    const result = await expectOneNeedsInput(() =>
      h.gov.propose('note', 'agent-1', { input: { text: oneMegabyte } }),
    );
    const stored = await h.gov.getProposal(result.proposal.id);
    // Over twice maxInputBytes (262144) before parsing: refused before the schema runs.
    expect(stored?.issues).toEqual([
      expect.objectContaining({ message: 'input is larger than 524288 bytes as JSON; not parsed' }),
    ]);
    expect(stored?.inputSnapshot).toBeNull();
    expect(await storedIssueBytes(result.proposal.id)).toBeLessThan(1_000);
  });

  it('does not store a 1 MB unknown key of a strict schema in the blocked issues', async () => {
    const input = { text: 'hi', [oneMegabyte]: 1 };
    const result = await expectOneNeedsInput(() =>
      h.gov.propose('strict_note', 'agent-1', { input }),
    );
    // Nothing stored for a refused call should exceed the input limit it was refused by.
    expect(await storedIssueBytes(result.proposal.id)).toBeLessThanOrEqual(262_144);
  });

  it('accepts an input just under the limit', async () => {
    const text = 'y'.repeat(262_144 - 11);
    const result = await h.gov.propose('note', 'agent-1', { input: { text } });
    expect(result).toMatchObject({ ok: true, duplicate: false });
  });
});

describe('text PostgreSQL cannot store, in the input', () => {
  it.each([
    ['a NUL character', { text: 'before\0after' }],
    ['a lone high surrogate', { text: 'half \uD83D' }],
    ['a lone low surrogate', { text: '\uDE00 half' }],
  ])('blocks %s as needs_input with its path', async (_label, input) => {
    const result = await expectOneNeedsInput(() => h.gov.propose('note', 'agent-2', { input }));
    const stored = await h.gov.getProposal(result.proposal.id);
    expect(stored?.issues).toEqual([expect.objectContaining({ path: ['text'] })]);
  });

  it.each([
    ['a NUL character', 'k\0ey'],
    ['a lone surrogate', 'k\uDC00ey'],
  ])('blocks an object key with %s as needs_input', async (_label, key) => {
    await expectOneNeedsInput(() => h.gov.propose('loose', 'agent-2', { input: { [key]: 1 } }));
  });

  it('blocks an unknown key with a NUL character in a strict schema as needs_input', async () => {
    await expectOneNeedsInput(() =>
      h.gov.propose('strict_note', 'agent-2', { input: { text: 'hi', ['k\0']: 1 } }),
    );
  });
});

describe('text PostgreSQL cannot store, in the call itself', () => {
  it.each([
    ['actorId with a NUL', 'agent\0-3', {}],
    ['actorId with a lone surrogate', 'agent-\uD800', {}],
    ['conversationId with a NUL', 'agent-3', { conversationId: 'conv\0' }],
    ['caseId with a lone surrogate', 'agent-3', { caseId: 'case-\uDFFF' }],
    ['a scope with a NUL', 'agent-3', { scopes: ['notes\0:write'] }],
  ])('throws InvalidRequestError for %s and writes nothing', async (_label, actorId, extra) => {
    const before = await h.counts();
    const error = await rejectionOf(
      Promise.resolve().then(() =>
        h.gov.propose('note', actorId, { input: { text: 'hello' }, ...extra }),
      ),
    );
    expect((error as Error).name).toBe('InvalidRequestError');
    expect(isInvalidRequestError(error)).toBe(true);
    expect(await h.counts()).toEqual(before);
  });
});

describe('inputs that are not JSON', () => {
  it('blocks a circular input as needs_input instead of throwing', async () => {
    const input: Record<string, unknown> = { name: 'loop' };
    input.self = input;
    await expectOneNeedsInput(() => h.gov.propose('loose', 'agent-4', { input }));
  });

  it('answers a deeply nested input with a result, not a stack overflow', async () => {
    let input: unknown = 'bottom';
    for (let depth = 0; depth < 20_000; depth += 1) input = [input];
    const result = await h.gov.propose('loose', 'agent-4', { input });
    expect(result.ok || result.outcome === 'needs_input').toBe(true);
  });
});
