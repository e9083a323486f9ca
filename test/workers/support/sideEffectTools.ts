import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from '../../../src/index.js';
import type { ToolDefinition } from '../../../src/index.js';
import { recordRun } from './workerHarness.js';
import type { Sql } from './workerHarness.js';

/** Every test tool takes a tag; its run records one side-effect row under that tag. */
export const taggedInput = z.object({ tag: z.string().min(1) });

/** The agent that proposes and the human who approves (four-eyes: never the same). */
export const proposer = 'agent-7';
export const approver = 'reviewer-1';

/**
 * Tools whose every run writes a row to `side_effects`:
 * - `ship`: requires approval, returns what it did;
 * - `ping`: auto;
 * - `slow`: 300 ms timeout, ignores its signal for 2 s, then records whether it was aborted;
 * - `broken`: throws (not idempotent, so it must run once);
 * - `flaky`: idempotent, fails on attempts 1 and 2, succeeds on 3.
 */
export function sideEffectTools(sql: Sql): ToolDefinition[] {
  return [
    defineTool({
      name: 'ship',
      input: taggedInput,
      riskTier: 'medium',
      approvalMode: 'requires_approval',
      run: async ({ tag }, ctx) => {
        await recordRun(sql, tag, ctx);
        return { shipped: tag, attempt: ctx.attempt };
      },
    }),
    defineTool({
      name: 'ping',
      input: taggedInput,
      riskTier: 'low',
      approvalMode: 'auto',
      run: async ({ tag }, ctx) => {
        await recordRun(sql, tag, ctx);
        return { pong: tag };
      },
    }),
    defineTool({
      name: 'slow',
      input: taggedInput,
      riskTier: 'low',
      approvalMode: 'requires_approval',
      timeoutMs: 300,
      run: async ({ tag }, ctx) => {
        // Ignores the signal on purpose: the deadline must win anyway.
        await sleep(2_000);
        await recordRun(sql, tag, ctx, `aborted=${ctx.signal.aborted}`);
        return { late: true };
      },
    }),
    defineTool({
      name: 'broken',
      input: taggedInput,
      riskTier: 'low',
      approvalMode: 'requires_approval',
      run: async ({ tag }, ctx) => {
        await recordRun(sql, tag, ctx);
        throw new Error(`broken tool failed for ${tag}`);
      },
    }),
    defineTool({
      name: 'flaky',
      input: taggedInput,
      riskTier: 'low',
      approvalMode: 'requires_approval',
      idempotent: true,
      run: async ({ tag }, ctx) => {
        await recordRun(sql, tag, ctx);
        if (ctx.attempt < 3) throw new Error(`flaky attempt ${ctx.attempt}`);
        return { settled: tag, attempt: ctx.attempt };
      },
    }),
  ];
}
