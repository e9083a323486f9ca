// What the case-budget suites and their child worker process share: the tools (every run
// records a side-effect row) and the steps that put calls in a case. No vitest in here.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from '../../../src/index.js';
import type {
  BudgetLimits,
  Governance,
  LaneFailure,
  PolicyBody,
  ToolDefinition,
} from '../../../src/index.js';
import {
  proposer,
  recordRun,
  recordingTool,
  taggedInput,
} from '../../workers/support/sideEffectTools.js';
import type { Sql } from '../../workers/support/sideEffectTools.js';

const auto = { riskTier: 'low', approvalMode: 'auto' } as const;

/** Waits until `ms` have passed by the monotonic clock (a timer alone may fire a tick early). */
async function busyFor(ms: number): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < ms) await sleep(ms - (performance.now() - started) + 1);
}

/**
 * `auto` tools whose runs record a side-effect row under their input's tag:
 * - `tick`: costs nothing; `charge`: costs 4; `meter`: costs its input's `units`;
 * - `nap`: takes at least 200 ms, timeout 10 s;
 * - `waiter`: timeout 30 s, waits for its signal, records `aborted: <reason>`, then throws it;
 * - `deaf`: timeout 30 s, ignores its signal for 1.5 s, then records `aborted=<bool>`.
 */
export function caseTools(sql: Sql): ToolDefinition[] {
  return [
    recordingTool(sql, { ...auto, name: 'tick' }, (tag) => ({ ticked: tag })),
    recordingTool(sql, { ...auto, name: 'charge', cost: 4 }, (tag) => ({ charged: tag })),
    defineTool({
      ...auto,
      name: 'meter',
      input: taggedInput.extend({ units: z.number().int().nonnegative() }),
      cost: ({ units }) => units,
      run: async ({ tag }, ctx) => {
        await recordRun(sql, tag, ctx);
        return { metered: tag };
      },
    }) as ToolDefinition,
    defineTool({
      ...auto,
      name: 'nap',
      input: taggedInput,
      timeoutMs: 10_000,
      run: async ({ tag }, ctx) => {
        await busyFor(200);
        await recordRun(sql, tag, ctx);
        return { napped: tag };
      },
    }) as ToolDefinition,
    defineTool({
      ...auto,
      name: 'waiter',
      input: taggedInput,
      timeoutMs: 30_000,
      run: async ({ tag }, ctx) => {
        const reason = await new Promise<unknown>((resolve) => {
          if (ctx.signal.aborted) resolve(ctx.signal.reason);
          ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true });
        });
        const said = reason instanceof Error ? reason.message : String(reason);
        await recordRun(sql, tag, ctx, `aborted: ${said}`);
        throw reason;
      },
    }) as ToolDefinition,
    defineTool({
      ...auto,
      name: 'deaf',
      input: taggedInput,
      timeoutMs: 30_000,
      run: async ({ tag }, ctx) => {
        // Ignores the signal on purpose: the cut deadline must win anyway.
        await sleep(1_500);
        await recordRun(sql, tag, ctx, `aborted=${ctx.signal.aborted}`);
        return { late: tag };
      },
    }) as ToolDefinition,
  ];
}

/** Defines policy `name` as `body` and opens a case under it; returns the case id. */
export async function openPolicyCase(
  gov: Governance,
  name: string,
  body: PolicyBody,
): Promise<string> {
  await gov.definePolicy(name, body, { actorId: 'admin-1' });
  const created = await gov.createCase({ policy: name, actorId: proposer });
  if (!created.ok) throw new Error(`createCase failed: ${JSON.stringify(created)}`);
  return created.case.id;
}

/** Defines policy `name` with `budgets` and opens a case under it; returns the case id. */
export function openBudgetCase(
  gov: Governance,
  name: string,
  budgets: Record<string, BudgetLimits>,
): Promise<string> {
  return openPolicyCase(gov, name, { budgets });
}

/** Proposes `tool` in the case at `casePath`; returns the proposal id (throws if blocked). */
export async function proposeInCase(
  gov: Governance,
  caseId: string,
  tool: string,
  input: Record<string, unknown>,
  casePath = '/',
): Promise<string> {
  const proposed = await gov.propose(tool, proposer, { input, caseId, casePath });
  if (!proposed.ok) throw new Error(`proposal of ${tool} blocked: ${JSON.stringify(proposed)}`);
  return proposed.proposal.id;
}

/** Starts every proposal's execution at once (auto tools); returns their lane ids. */
export async function executeAll(gov: Governance, proposalIds: string[]): Promise<string[]> {
  const results = await Promise.all(proposalIds.map((id) => gov.executeProposal(id)));
  return results.map((r) => {
    if (!r.ok) throw new Error(`executeProposal failed: ${JSON.stringify(r)}`);
    return r.approval.id;
  });
}

export interface CaseLane {
  id: string;
  tag: string;
  status: string;
  failure: LaneFailure | null;
}

/** Every lane of the case's proposals, as stored. */
export function caseLanes(sql: Sql, caseId: string): Promise<CaseLane[]> {
  return sql.query<CaseLane>(
    `select a.id, p.input_snapshot->>'tag' as tag, a.status,
            a.snapshot->'context'->'failure' as failure
       from tool_approvals a join tool_proposals p on p.id = a.proposal_id
      where p.case_id = ? order by a.id`,
    [caseId],
  );
}
