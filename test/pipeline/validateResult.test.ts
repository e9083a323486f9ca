import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { canonicalJson } from '../../src/canonicalJson.js';
import { parseProposalRequest } from '../../src/pipeline/proposalRequest.js';
import { runPipeline } from '../../src/pipeline/validate.js';
import { ToolRegistry } from '../../src/tools/toolRegistry.js';
import {
  attrsOf,
  bank,
  blockedOf,
  check,
  defaultLimits,
  goodTransfer,
  transferTool,
} from './pipelineFixtures.js';

describe('a call that passes every gate', () => {
  it('returns risk tier, approval mode and the three snapshots', async () => {
    const context = { input: goodTransfer, ...bank, conversationId: 'conv-1', caseId: 'case-9' };
    const attrs = attrsOf(await check([transferTool()], 'transfer', context));
    expect(attrs).toEqual({
      riskTier: 'critical',
      approvalMode: 'requires_approval',
      toolSnapshot: {
        name: 'transfer',
        version: '2',
        riskTier: 'critical',
        approvalMode: 'requires_approval',
        requiredScopes: ['bank:write', 'bank:read'],
        cost: 0,
        timeoutMs: 30_000,
        idempotent: false,
      },
      inputSnapshot: { account: 'acc-1', cents: 500, memo: 'none' },
      actorSnapshot: {
        actorId: 'agent-7',
        scopes: ['bank:read', 'bank:write'],
        conversationId: 'conv-1',
        caseId: 'case-9',
        policy: 'allowed',
      },
    });
  });

  it('stores the parsed input: transformed, defaulted and stripped of unknown keys', async () => {
    const input = { ...goodTransfer, extra: 'dropped', nested: { deep: true } };
    const attrs = attrsOf(await check([transferTool()], 'transfer', { input, ...bank }));
    expect(attrs.inputSnapshot).toEqual({ account: 'acc-1', cents: 500, memo: 'none' });
  });

  it('stores canonical JSON: keys sorted, Dates as ISO text', async () => {
    const tool = transferTool({
      input: z.object({ z: z.number(), a: z.date() }) as never,
      requiredScopes: [],
      authorize: undefined,
    });
    const at = new Date('2026-01-02T03:04:05.006Z');
    const attrs = attrsOf(await check([tool], 'transfer', { input: { z: 1, a: at } }));
    expect(JSON.stringify(attrs.inputSnapshot)).toBe('{"a":"2026-01-02T03:04:05.006Z","z":1}');
  });

  it('defaults conversation and case to null in the actor snapshot', async () => {
    const attrs = attrsOf(
      await check([transferTool()], 'transfer', { input: goodTransfer, ...bank }),
    );
    expect(attrs.actorSnapshot).toMatchObject({ conversationId: null, caseId: null });
  });
});

describe('tool references', () => {
  const v1 = transferTool({ version: '1', riskTier: 'low' });
  const v2 = transferTool({ version: '2', riskTier: 'high' });

  it('resolves a bare name to the newest registered version', async () => {
    const attrs = attrsOf(await check([v1, v2], 'transfer', { input: goodTransfer, ...bank }));
    expect(attrs.toolSnapshot.version).toBe('2');
    expect(attrs.riskTier).toBe('high');
  });

  it('resolves {name, version} to that version', async () => {
    const ref = { name: 'transfer', version: '1' };
    const attrs = attrsOf(await check([v1, v2], ref, { input: goodTransfer, ...bank }));
    expect(attrs.toolSnapshot.version).toBe('1');
    expect(attrs.riskTier).toBe('low');
  });

  it('resolves {name} without a version to the newest', async () => {
    const attrs = attrsOf(
      await check([v1, v2], { name: 'transfer' }, { input: goodTransfer, ...bank }),
    );
    expect(attrs.toolSnapshot.version).toBe('2');
  });

  it('reports an unknown version of a known tool as unknown_tool', async () => {
    const ref = { name: 'transfer', version: '9' };
    const result = blockedOf(await check([v1, v2], ref, { input: goodTransfer, ...bank }));
    expect(result).toMatchObject({ outcome: 'unsupported', reason: 'unknown_tool', tool: null });
  });
});

describe('pipeline purity', () => {
  it('gives equal results for the same call made twice', async () => {
    const registry = new ToolRegistry([transferTool()]);
    const req = parseProposalRequest('transfer', 'agent-7', { input: goodTransfer, ...bank });
    const first = await runPipeline(registry, req, defaultLimits);
    const second = await runPipeline(registry, req, defaultLimits);
    expect(second).toEqual(first);
    expect(first.ok).toBe(true);
  });

  it('gives equal blocked results for the same bad call made twice', async () => {
    const registry = new ToolRegistry([transferTool()]);
    const req = parseProposalRequest('transfer', 'agent-7', { input: { cents: 0 }, ...bank });
    const first = await runPipeline(registry, req, defaultLimits);
    expect(await runPipeline(registry, req, defaultLimits)).toEqual(first);
    expect(first.ok).toBe(false);
  });

  it('does not modify the caller’s input or context', async () => {
    const context = { input: { ...goodTransfer, extra: 1 }, ...bank };
    const before = structuredClone(context);
    await check([transferTool()], 'transfer', context);
    expect(context).toEqual(before);
  });

  it('hands authorize the parsed input, the actor and the call context', async () => {
    const authorize = vi.fn(() => ({ allow: true as const }));
    const tool = transferTool({ authorize });
    const context = { input: { ...goodTransfer, extra: 1 }, ...bank, conversationId: 'c-2' };
    await check([tool], 'transfer', context);
    expect(authorize).toHaveBeenCalledTimes(1);
    expect(authorize).toHaveBeenCalledWith(
      'agent-7',
      { account: 'acc-1', cents: 500, memo: 'none' },
      {
        tool: { name: 'transfer', version: '2', riskTier: 'critical' },
        scopes: ['bank:read', 'bank:write'],
        conversationId: 'c-2',
        caseId: null,
      },
    );
  });
});

describe('storability of the parsed input', () => {
  const textTool = transferTool({
    input: z.object({ text: z.string(), tags: z.array(z.string()).default([]) }) as never,
    requiredScopes: [],
    authorize: undefined,
  });

  it('blocks a NUL character as needs_input, with its path', async () => {
    const result = blockedOf(await check([textTool], 'transfer', { input: { text: 'a\0b' } }));
    expect(result.outcome).toBe('needs_input');
    expect(result.issues).toEqual([expect.objectContaining({ path: ['text'] })]);
  });

  it('blocks a lone surrogate as needs_input, with its path inside an array', async () => {
    const input = { text: 'ok', tags: ['fine', 'bad \uD800 half'] };
    const result = blockedOf(await check([textTool], 'transfer', { input }));
    expect(result.outcome).toBe('needs_input');
    expect(result.issues).toEqual([expect.objectContaining({ path: ['tags', 1] })]);
  });

  it('accepts well-formed astral characters and escaped-looking text', async () => {
    const input = { text: 'emoji 😀 and a literal \\u0000', tags: ['\u00e9'] };
    const attrs = attrsOf(await check([textTool], 'transfer', { input }));
    expect(attrs.inputSnapshot).toEqual({ ...input });
  });

  it('blocks an input one byte over maxInputBytes and passes one at the limit', async () => {
    const input = { text: 'é'.repeat(50), tags: [] };
    const bytes = Buffer.byteLength(canonicalJson(input));
    const atLimit = await check([textTool], 'transfer', { input }, { maxInputBytes: bytes });
    expect(atLimit.ok).toBe(true);
    const over = blockedOf(
      await check([textTool], 'transfer', { input }, { maxInputBytes: bytes - 1 }),
    );
    expect(over.outcome).toBe('needs_input');
    expect(over.issues?.[0]?.message).toBe(
      `input is ${bytes} bytes of JSON; the limit is ${bytes - 1}`,
    );
  });
});
