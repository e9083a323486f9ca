import { afterAll, describe, expect, it } from 'vitest';
import { proposer } from '../workers/support/sideEffectTools.js';
import { caseTools, executeAll, openBudgetCase, proposeInCase } from './support/caseWorkers.js';
import { useWorkerSuite, waitFor } from '../workers/support/workerHarness.js';

const nothing = { effects: 0, timeMs: 0, cost: 0 };

describe('cost and time budgets of a case', () => {
  const h = useWorkerSuite({ tools: caseTools });
  afterAll(() => h.settleLaneJobs?.());

  /** Proposes `tool` in the case, executes it, and waits for its lane to end. */
  async function runInCase(caseId: string, tool: string, input: Record<string, unknown>) {
    const [laneId] = await executeAll(h.gov, [await proposeInCase(h.gov, caseId, tool, input)]);
    return h.waitForLane(laneId!);
  }

  /** The budget level at '/' of a case. */
  async function rootLevel(caseId: string) {
    const level = (await h.gov.checkBudget(caseId))?.levels[0];
    expect(level?.path).toBe('/');
    return level!;
  }

  /** The cut a `timeout` failure names: the N of "within N ms". */
  const cutOf = (message: string | undefined) => Number(/within (\d+) ms/.exec(message ?? '')?.[1]);

  it('settles cost from a fixed cost and a cost function, then blocks a proposal that no longer fits', async () => {
    const caseId = await openBudgetCase(h.gov, 'cost-10', { '/': { maxCost: 10 } });

    expect((await runInCase(caseId, 'charge', { tag: 'cost-charge-1' })).status).toBe('executed');
    expect((await runInCase(caseId, 'meter', { tag: 'cost-meter-1', units: 4 })).status).toBe(
      'executed',
    );

    const level = await rootLevel(caseId);
    expect(level.used).toMatchObject({ effects: 2, cost: 8 });
    expect(level.reserved).toEqual(nothing);
    expect(level.remaining).toEqual({ maxCost: 2 });
    const blocked = await h.gov.propose('charge', proposer, {
      input: { tag: 'cost-charge-2' },
      caseId,
    });
    expect(blocked).toMatchObject({ ok: false, outcome: 'budget_exceeded' });
    expect(await h.gov.listReceipts(caseId)).toEqual([
      {
        errorType: 'budget_exceeded',
        scope: '/',
        taskId: blocked.proposal!.id,
        detail: expect.stringContaining('cost 4'),
        timestamp: expect.any(String),
      },
    ]);
    // What is left still buys a call that costs exactly that much.
    const fits = await h.gov.propose('meter', proposer, {
      input: { tag: 'cost-meter-2', units: 2 },
      caseId,
    });
    expect(fits.ok).toBe(true);
    expect(await h.runsOf('cost-charge-2')).toEqual([]);
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true });
  });

  it('settles run time from the measured run, not from the hold it reserved', async () => {
    const caseId = await openBudgetCase(h.gov, 'time-60s', { '/': { maxEffectTimeMs: 60_000 } });

    const lane = await runInCase(caseId, 'nap', { tag: 'time-nap-1' });

    expect(lane.status).toBe('executed');
    // The claim held the tool's whole timeout (10 s, less than the 60 s left) ...
    const held = await h.sql.query<{ amount: { timeMs: number } }>(
      `select payload->'event'->'amount' as amount from case_events
        where case_id = ? and type = 'budget_reserved'`,
      [caseId],
    );
    expect(held.map((r) => r.amount.timeMs)).toEqual([10_000]);
    // ... and the settlement charged what the run measured: at least the 200 ms it took.
    const level = await rootLevel(caseId);
    expect(level.reserved).toEqual(nothing);
    expect(level.used.effects).toBe(1);
    expect(level.used.timeMs).toBeGreaterThanOrEqual(200);
    expect(level.used.timeMs).toBeLessThan(5_000);
  });

  it('aborts a run at the deadline the time budget cut, and the tool sees its signal abort', async () => {
    const caseId = await openBudgetCase(h.gov, 'cut-300', { '/': { maxEffectTimeMs: 300 } });

    // `waiter` has a 30 s timeout; the case has 300 ms left to give it.
    const lane = await runInCase(caseId, 'waiter', { tag: 'cut-waiter-1' });

    expect(lane.status).toBe('execution_failed');
    expect(lane.failure?.code).toBe('timeout');
    const cut = cutOf(lane.failure?.message);
    expect(cut).toBeGreaterThan(0);
    expect(cut).toBeLessThanOrEqual(300);
    const [run] = await waitFor(
      'the waiter to record its abort',
      () => h.runsOf('cut-waiter-1'),
      (rows) => rows.length > 0,
    );
    expect(run!.note).toBe(`aborted: ${lane.failure!.message}`);
    expect((await rootLevel(caseId)).reserved).toEqual(nothing);
  });

  it('fails a run that ignores its signal with `timeout` at the cut deadline', async () => {
    const caseId = await openBudgetCase(h.gov, 'cut-300-deaf', { '/': { maxEffectTimeMs: 300 } });

    const lane = await runInCase(caseId, 'deaf', { tag: 'cut-deaf-1' });

    expect(lane.status).toBe('execution_failed');
    expect(lane.failure?.code).toBe('timeout');
    expect(cutOf(lane.failure?.message)).toBeLessThanOrEqual(300);
    // The run carries on in the background; when it wakes, its signal has been aborted.
    const [run] = await waitFor(
      'the deaf run to record itself',
      () => h.runsOf('cut-deaf-1'),
      (rows) => rows.length > 0,
    );
    expect(run!.note).toBe('aborted=true');
    // Its late return changes nothing.
    expect(await h.laneState(lane.id)).toMatchObject({
      status: 'execution_failed',
      version: lane.version,
    });
  });
});
