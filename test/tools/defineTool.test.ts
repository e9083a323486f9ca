import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isConfigurationError } from '../../src/errors/configurationError.js';
import { isCountersignError } from '../../src/errors/countersignError.js';
import { defineTool } from '../../src/tools/defineTool.js';
import type { ToolSpec } from '../../src/tools/defineTool.js';
import { ToolRegistry } from '../../src/tools/toolRegistry.js';

const input = z.object({ id: z.string() });
const valid: ToolSpec<typeof input> = {
  name: 'lookup',
  input,
  riskTier: 'low',
  approvalMode: 'auto',
  run: () => 'found',
};

/** Calls defineTool with a spec of any shape, as untyped host code can. */
function defineUntyped(spec: unknown) {
  return defineTool(spec as ToolSpec);
}

/** The error `fn` throws; fails the test when it does not throw. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('defineTool rejects a bad definition', () => {
  it.each([
    ['a missing name', { ...valid, name: undefined }],
    ['a name with spaces', { ...valid, name: 'look up' }],
    ['a name starting with a digit', { ...valid, name: '1lookup' }],
    ['a name over 128 characters', { ...valid, name: `a${'b'.repeat(128)}` }],
    ['an empty version', { ...valid, version: '' }],
    ['a version with spaces', { ...valid, version: '1 beta' }],
    ['a numeric version', { ...valid, version: 2 }],
    ['an unknown risk tier', { ...valid, riskTier: 'extreme' }],
    ['an unknown approval mode', { ...valid, approvalMode: 'manual' }],
    ['requiredScopes as a string', { ...valid, requiredScopes: 'read' }],
    ['an empty required scope', { ...valid, requiredScopes: [''] }],
    ['a negative cost', { ...valid, cost: -1 }],
    ['an infinite cost', { ...valid, cost: Infinity }],
    ['a fractional cost (cost units are whole)', { ...valid, cost: 2.5 }],
    ['a cost that is neither a number nor a function', { ...valid, cost: '3' }],
    ['a zero timeout', { ...valid, timeoutMs: 0 }],
    ['a fractional timeout', { ...valid, timeoutMs: 1.5 }],
    ['a non-boolean idempotent', { ...valid, idempotent: 'yes' }],
    ['an input that is not a zod schema', { ...valid, input: { id: 'string' } }],
    ['a missing run', { ...valid, run: undefined }],
    ['a run that is not a function', { ...valid, run: 'go' }],
    ['an authorize that is not a function', { ...valid, authorize: true }],
  ])('throws ConfigurationError for %s', (_label, spec) => {
    const error = thrownBy(() => defineUntyped(spec));
    expect(isConfigurationError(error)).toBe(true);
    expect(isCountersignError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'configuration', name: 'ConfigurationError' });
  });

  it.each([null, undefined, 'lookup', 42])('throws ConfigurationError for a spec of %s', (spec) => {
    expect(isConfigurationError(thrownBy(() => defineUntyped(spec)))).toBe(true);
  });

  it('names the tool and the bad field in the message', () => {
    const error = thrownBy(() => defineUntyped({ ...valid, riskTier: 'extreme' }));
    expect((error as Error).message).toContain('"lookup"');
    expect((error as Error).message).toContain('riskTier');
  });
});

describe('defineTool fills defaults', () => {
  it('fills version, scopes, cost, timeout and idempotent', () => {
    const tool = defineTool(valid);
    expect(tool).toMatchObject({
      name: 'lookup',
      version: '1',
      riskTier: 'low',
      approvalMode: 'auto',
      requiredScopes: [],
      cost: 0,
      timeoutMs: 30_000,
      idempotent: false,
      authorize: undefined,
    });
    expect(tool.input).toBe(input);
    expect(tool.run).toBe(valid.run);
  });

  it('keeps what was given', () => {
    const authorize = () => ({ allow: true as const });
    const tool = defineTool({
      ...valid,
      version: '2.1.0-beta+7',
      requiredScopes: ['crm:read'],
      cost: 3,
      timeoutMs: 5_000,
      idempotent: true,
      authorize,
    });
    expect(tool).toMatchObject({
      version: '2.1.0-beta+7',
      requiredScopes: ['crm:read'],
      cost: 3,
      timeoutMs: 5_000,
      idempotent: true,
    });
    expect(tool.authorize).toBe(authorize);
  });

  it('returns a frozen definition', () => {
    expect(Object.isFrozen(defineTool(valid))).toBe(true);
  });

  it('is not affected by later changes to the spec’s scopes', () => {
    const scopes = ['crm:read'];
    const tool = defineTool({ ...valid, requiredScopes: scopes });
    scopes.push('crm:admin');
    expect(tool.requiredScopes).toEqual(['crm:read']);
  });
});

describe('ToolRegistry', () => {
  const v1 = defineTool({ ...valid, version: '1' });
  const v2 = defineTool({ ...valid, version: '2' });

  it('rejects a duplicate name@version with ConfigurationError', () => {
    const error = thrownBy(() => new ToolRegistry([v1, v2, defineTool({ ...valid })]));
    expect(isConfigurationError(error)).toBe(true);
    expect((error as Error).message).toContain('lookup@1');
  });

  it('makes the newest registered version the default', () => {
    expect(new ToolRegistry([v1, v2]).resolve('lookup')).toBe(v2);
    expect(new ToolRegistry([v2, v1]).resolve('lookup')).toBe(v1);
    expect(new ToolRegistry([v1, v2]).resolve({ name: 'lookup' })).toBe(v2);
  });

  it('resolves an exact version, and nothing for an unknown one', () => {
    const registry = new ToolRegistry([v1, v2]);
    expect(registry.resolve({ name: 'lookup', version: '1' })).toBe(v1);
    expect(registry.byVersion('lookup', '2')).toBe(v2);
    expect(registry.resolve({ name: 'lookup', version: '3' })).toBeUndefined();
    expect(registry.resolve('missing')).toBeUndefined();
  });

  it('keeps tools of different names apart', () => {
    const other = defineTool({ ...valid, name: 'lookup_v2' });
    const registry = new ToolRegistry([v1, other]);
    expect(registry.resolve('lookup')).toBe(v1);
    expect(registry.resolve('lookup_v2')).toBe(other);
  });
});
