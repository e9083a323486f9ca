// What a worker process needs, in the suites and in their child processes alike: the tools
// (each run records a side-effect row) and the governance options. No vitest in here.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from '../../../src/index.js';
import type {
  GovernanceOptions,
  RunContext,
  ToolDefinition,
  ToolSpec,
} from '../../../src/index.js';
import type { openSql } from '../../support/testDatabase.js';

export type Sql = Awaited<ReturnType<typeof openSql>>;

/**
 * The settings every worker suite runs with: fast polling, fast re-drives, and small pools,
 * since several suites (some with child processes) share one server's connection limit.
 */
export const fastScheduler = { processEveryMs: 200, reconcileEveryMs: 500, poolSize: 4 } as const;
export const fastExecution = { redriveAfterMs: 1000, leaseGraceMs: 500, retryBackoffMs: 100 };

/** `createGovernance` options for a worker suite on `url`. */
export function workerOptions(
  url: string,
  tools: GovernanceOptions['tools'],
  overrides: Partial<GovernanceOptions> = {},
): GovernanceOptions {
  return {
    tools,
    databaseUrl: url,
    poolSize: 4,
    scheduler: { ...fastScheduler },
    execution: { ...fastExecution },
    ...overrides,
  };
}

/** Every test tool takes a tag; its run records one side-effect row under that tag. */
export const taggedInput = z.object({ tag: z.string().min(1) });

/** The agent that proposes and the human who approves (four-eyes: never the same). */
export const proposer = 'agent-7';
export const approver = 'reviewer-1';

/** The table each test tool writes one row to per run: its side effect, counted in SQL. */
export async function createSideEffectTable(sql: Sql): Promise<void> {
  await sql.query(`create table if not exists side_effects (
    id serial primary key,
    tag text not null,
    idem_key text not null,
    attempt int not null,
    note text,
    pid int not null)`);
}

/** Records one run of a tool for the input tagged `tag`. */
export async function recordRun(
  sql: Sql,
  tag: string,
  ctx: Pick<RunContext, 'idempotencyKey' | 'attempt'>,
  note: string | null = null,
): Promise<void> {
  await sql.query(
    `insert into side_effects (tag, idem_key, attempt, note, pid) values (?, ?, ?, ?, ?)`,
    [tag, ctx.idempotencyKey, ctx.attempt, note, process.pid],
  );
}

type TaggedToolSpec = Omit<ToolSpec<typeof taggedInput>, 'input' | 'run'>;

/** A tool on `taggedInput` whose run records its side-effect row, then ends with `finish`. */
export function recordingTool(
  sql: Sql,
  spec: TaggedToolSpec,
  finish: (tag: string, ctx: RunContext) => unknown,
): ToolDefinition {
  return defineTool({
    ...spec,
    input: taggedInput,
    run: async ({ tag }, ctx) => {
      await recordRun(sql, tag, ctx);
      return finish(tag, ctx);
    },
  }) as ToolDefinition;
}

/** What most test tools are: low risk, run only once approved. */
export const needsApproval = { riskTier: 'low', approvalMode: 'requires_approval' } as const;

/** A requires_approval tool whose every run writes one side-effect row (with its pid). */
export function stampTool(sql: Sql): ToolDefinition {
  return recordingTool(sql, { ...needsApproval, name: 'stamp' }, (tag) => ({ stamped: tag }));
}

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
    recordingTool(sql, { ...needsApproval, name: 'ship', riskTier: 'medium' }, (tag, ctx) => ({
      shipped: tag,
      attempt: ctx.attempt,
    })),
    recordingTool(sql, { name: 'ping', riskTier: 'low', approvalMode: 'auto' }, (tag) => ({
      pong: tag,
    })),
    defineTool({
      ...needsApproval,
      name: 'slow',
      input: taggedInput,
      timeoutMs: 300,
      run: async ({ tag }, ctx) => {
        // Ignores the signal on purpose: the deadline must win anyway.
        await sleep(2_000);
        await recordRun(sql, tag, ctx, `aborted=${ctx.signal.aborted}`);
        return { late: true };
      },
    }),
    recordingTool(sql, { ...needsApproval, name: 'broken' }, (tag) => {
      throw new Error(`broken tool failed for ${tag}`);
    }),
    recordingTool(sql, { ...needsApproval, name: 'flaky', idempotent: true }, (tag, ctx) => {
      if (ctx.attempt < 3) throw new Error(`flaky attempt ${ctx.attempt}`);
      return { settled: tag, attempt: ctx.attempt };
    }),
  ];
}
