import { describe, expect, it, vi } from 'vitest';
import {
  attrsOf,
  bank,
  blockedOf,
  check,
  goodTransfer,
  invalidAuthorize,
  transferTool,
} from './pipelineFixtures.js';

describe('gate 0: resolve the tool', () => {
  it('reports an unknown tool as unsupported / unknown_tool, with no tool snapshot', async () => {
    const result = blockedOf(await check([transferTool()], 'wire', { input: goodTransfer }));
    expect(result).toMatchObject({ outcome: 'unsupported', reason: 'unknown_tool', tool: null });
    expect(result.issues).toBeUndefined();
  });

  it('reports unknown_tool before looking at an input that would fail every other gate', async () => {
    const result = blockedOf(await check([transferTool()], 'wire', { input: 'garbage' }));
    expect(result.outcome).toBe('unsupported');
  });
});

describe('gate 1: zod input', () => {
  it('blocks a wrong input as needs_input with the zod issues', async () => {
    const result = blockedOf(
      await check([transferTool()], 'transfer', { input: { account: 'a', cents: 'ten' }, ...bank }),
    );
    expect(result.outcome).toBe('needs_input');
    expect(result.reason).toBe('invalid_input');
    expect(result.issues).toEqual([
      expect.objectContaining({ code: 'invalid_type', path: ['cents'], expected: 'number' }),
    ]);
    expect(result.tool).toMatchObject({ name: 'transfer', version: '2' });
    expect(result.actor.policy).toBe('not_reached');
  });

  it('blocks an undefined input as needs_input', async () => {
    const result = blockedOf(
      await check([transferTool()], 'transfer', { input: undefined, ...bank }),
    );
    expect(result.outcome).toBe('needs_input');
    expect(result.issues?.length).toBeGreaterThan(0);
  });

  it('reports one issue per bad field', async () => {
    const result = blockedOf(
      await check([transferTool()], 'transfer', { input: { account: '', cents: -1 }, ...bank }),
    );
    expect(result.issues?.map((i) => i.path)).toEqual([['account'], ['cents']]);
  });
});

describe('gate 2: actor scopes', () => {
  it('blocks an actor lacking a required scope as scope_invalid, naming it', async () => {
    const result = blockedOf(
      await check([transferTool()], 'transfer', { input: goodTransfer, scopes: ['bank:read'] }),
    );
    expect(result).toMatchObject({
      outcome: 'scope_invalid',
      reason: 'missing scopes: bank:write',
    });
    expect(result.issues).toBeUndefined();
  });

  it('names every missing scope when the actor has none', async () => {
    const result = blockedOf(await check([transferTool()], 'transfer', { input: goodTransfer }));
    expect(result.reason).toBe('missing scopes: bank:write, bank:read');
  });

  it('lets a tool without required scopes pass an actor with no scopes', async () => {
    const tool = transferTool({ requiredScopes: [] });
    const result = await check([tool], 'transfer', { input: goodTransfer });
    expect(result.ok).toBe(true);
  });
});

describe('gate 3: authorize', () => {
  it('blocks a denial as policy_denied with the policy reason', async () => {
    const tool = transferTool({ authorize: () => ({ allow: false, reason: 'frozen_account' }) });
    const result = blockedOf(await check([tool], 'transfer', { input: goodTransfer, ...bank }));
    expect(result).toMatchObject({ outcome: 'policy_denied', reason: 'frozen_account' });
    expect(result.actor.policy).toBe('denied');
  });

  it('awaits an async authorize', async () => {
    const tool = transferTool({
      authorize: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { allow: false, reason: 'async_no' };
      },
    });
    const result = blockedOf(await check([tool], 'transfer', { input: goodTransfer, ...bank }));
    expect(result).toMatchObject({ outcome: 'policy_denied', reason: 'async_no' });
  });

  it('fails closed when authorize throws', async () => {
    const tool = transferTool({
      authorize: () => {
        throw new Error('policy service down');
      },
    });
    const result = blockedOf(await check([tool], 'transfer', { input: goodTransfer, ...bank }));
    expect(result).toMatchObject({
      outcome: 'policy_denied',
      reason: 'authorize_failed',
    });
    // What the policy threw never reaches the agent (or the stored proposal).
    expect(JSON.stringify(result)).not.toContain('policy service down');
  });

  it('fails closed when an async authorize rejects', async () => {
    const tool = transferTool({ authorize: () => Promise.reject(new Error('timeout')) });
    const result = blockedOf(await check([tool], 'transfer', { input: goodTransfer, ...bank }));
    expect(result).toMatchObject({ outcome: 'policy_denied', reason: 'authorize_failed' });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a truthy non-boolean allow', { allow: 'yes' }],
    ['a bare true', true],
  ])('fails closed when authorize returns %s', async (_label, value) => {
    const tool = transferTool({ authorize: invalidAuthorize(value) });
    const result = blockedOf(await check([tool], 'transfer', { input: goodTransfer, ...bank }));
    expect(result).toMatchObject({
      outcome: 'policy_denied',
      reason: 'authorize returned an invalid decision',
    });
  });

  it('gives a denial without a reason a default reason', async () => {
    const tool = transferTool({ authorize: invalidAuthorize({ allow: false }) });
    const result = blockedOf(await check([tool], 'transfer', { input: goodTransfer, ...bank }));
    expect(result).toMatchObject({ outcome: 'policy_denied', reason: 'denied by policy' });
  });

  it('records policy "no_policy" for a tool without authorize', async () => {
    const tool = transferTool({ authorize: undefined });
    const attrs = attrsOf(await check([tool], 'transfer', { input: goodTransfer, ...bank }));
    expect(attrs.actorSnapshot.policy).toBe('no_policy');
  });
});

describe('gate precedence', () => {
  it('reports only needs_input for an input failing gates 1, 2 and 3', async () => {
    const authorize = vi.fn(() => ({ allow: false as const, reason: 'never' }));
    const tool = transferTool({ authorize });
    const result = blockedOf(await check([tool], 'transfer', { input: { cents: 'x' } }));
    expect(result.outcome).toBe('needs_input');
    expect(result.reason).toBe('invalid_input');
    expect(authorize).not.toHaveBeenCalled();
  });

  it('reports scope_invalid, not policy_denied, for a call failing gates 2 and 3', async () => {
    const authorize = vi.fn(() => ({ allow: false as const, reason: 'never' }));
    const tool = transferTool({ authorize });
    const result = blockedOf(await check([tool], 'transfer', { input: goodTransfer }));
    expect(result.outcome).toBe('scope_invalid');
    expect(authorize).not.toHaveBeenCalled();
  });
});
