import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseLane } from './support/caseWorkers.js';
import {
  caseLanes,
  caseTools,
  executeAll,
  openBudgetCase,
  proposeInCase,
} from './support/caseWorkers.js';
import { terminal, useWorkerSuite, waitFor } from '../workers/support/workerHarness.js';
import type { WorkerSuite } from '../workers/support/workerHarness.js';
import { startWorkerProcess } from '../workers/support/workerProcess.js';
import type { WorkerProcess } from '../workers/support/workerProcess.js';
import { describeWithServer } from '../support/serverOnly.js';

const nothing = { effects: 0, timeMs: 0, cost: 0 };
const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Waits until the case has `n` lanes and every one has ended. */
function allEnded(h: WorkerSuite, caseId: string, n: number): Promise<CaseLane[]> {
  return waitFor(
    `${n} lanes of case ${caseId} to end`,
    () => caseLanes(h.sql, caseId),
    (lanes) => lanes.length === n && lanes.every((l) => terminal.includes(l.status)),
    45_000,
  );
}

/** The tags of the side-effect rows whose tag starts with `prefix`. */
async function ranTags(h: WorkerSuite, prefix: string): Promise<string[]> {
  const rows = await h.sql.query<{ tag: string }>(
    `select tag from side_effects where starts_with(tag, ?) order by tag`,
    [prefix],
  );
  return rows.map((r) => r.tag);
}

/**
 * Proposes 50 `tick` calls in a case with `maxEffects: 10` — all before any run, so every
 * one passes gate 5 and the race is at execution — starts all 50, runs `go` (which starts the
 * workers that are not running yet), then checks: 10 runs, 40 refusals, each with a receipt.
 */
async function raceFiftyForTen(h: WorkerSuite, prefix: string, go: () => Promise<void>) {
  const caseId = await openBudgetCase(h.gov, `ten-${prefix}`, { '/': { maxEffects: 10 } });
  const tags = Array.from({ length: 50 }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
  const proposals = await Promise.all(
    tags.map((tag) => proposeInCase(h.gov, caseId, 'tick', { tag })),
  );
  await executeAll(h.gov, proposals);
  await go();

  const lanes = await allEnded(h, caseId, 50);

  const executed = lanes.filter((l) => l.status === 'executed');
  const refused = lanes.filter((l) => l.status !== 'executed');
  expect(executed).toHaveLength(10);
  expect(refused).toHaveLength(40);
  for (const lane of refused) {
    expect(lane).toMatchObject({
      status: 'execution_failed',
      failure: { code: 'budget_exceeded' },
    });
  }
  // Exactly the executed lanes' tools ran, once each.
  expect(await ranTags(h, `${prefix}-`)).toEqual(executed.map((l) => l.tag).sort());
  expect((await h.gov.checkBudget(caseId))?.levels).toEqual([
    {
      path: '/',
      limit: { maxEffects: 10 },
      used: { ...nothing, effects: 10, timeMs: expect.any(Number) },
      reserved: nothing,
      remaining: { maxEffects: 0 },
    },
  ]);
  const receipts = await h.gov.listReceipts(caseId);
  expect(receipts).toHaveLength(40);
  for (const receipt of receipts) {
    expect(receipt).toEqual({
      errorType: 'budget_exceeded',
      scope: '/',
      taskId: expect.any(String),
      detail: expect.stringContaining('maxEffects at /'),
      timestamp: expect.stringMatching(isoTime),
    });
  }
  // One receipt per refused lane, naming it.
  expect(receipts.map((r) => r.taskId).sort()).toEqual(refused.map((l) => l.id).sort());
  expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true });
}

describe('case budgets under concurrent executions, one worker process', () => {
  // Workers start once the executions are queued, so their claims race for the case's row.
  const h = useWorkerSuite({ tools: caseTools, startWorkers: false });
  let started: Promise<void> | undefined;
  const startWorkers = () => (started ??= h.gov.startWorkers());
  afterAll(() => h.settleLaneJobs?.());

  it('50 concurrent executions with maxEffects 10: exactly 10 runs and 40 refusals', async () => {
    await raceFiftyForTen(h, 'solo', startWorkers);
  });

  it('a sub-path budget of 3 inside a case budget of 5: never more than 3 at /sub, 5 in all', async () => {
    const caseId = await openBudgetCase(h.gov, 'nested', {
      '/': { maxEffects: 5 },
      '/sub': { maxEffects: 3 },
    });
    const calls = Array.from({ length: 6 }, (_, i) => [
      { tag: `nest-sub-${i}`, path: '/sub' },
      { tag: `nest-root-${i}`, path: '/' },
    ]).flat();
    const proposals = await Promise.all(
      calls.map((c) => proposeInCase(h.gov, caseId, 'tick', { tag: c.tag }, c.path)),
    );
    await executeAll(h.gov, proposals);
    await startWorkers();

    const lanes = await allEnded(h, caseId, 12);

    const ran = await ranTags(h, 'nest-');
    const ranAtSub = ran.filter((t) => t.startsWith('nest-sub-')).length;
    expect(ran).toHaveLength(5);
    expect(ranAtSub).toBeLessThanOrEqual(3);
    const executed = lanes.filter((l) => l.status === 'executed');
    expect(executed.map((l) => l.tag).sort()).toEqual(ran);
    const refused = lanes.filter((l) => l.status !== 'executed');
    for (const lane of refused) {
      expect(lane).toMatchObject({
        status: 'execution_failed',
        failure: { code: 'budget_exceeded' },
      });
    }
    const levels = (await h.gov.checkBudget(caseId))?.levels;
    expect(levels).toEqual([
      expect.objectContaining({ path: '/', used: expect.objectContaining({ effects: 5 }) }),
      expect.objectContaining({
        path: '/sub',
        used: expect.objectContaining({ effects: ranAtSub }),
      }),
    ]);
    expect(levels?.map((l) => l.reserved)).toEqual([nothing, nothing]);
    expect(levels?.map((l) => l.remaining.maxEffects)).toEqual([0, 3 - ranAtSub]);
    // Each refusal is on the case, scoped to the path of the call it refused.
    const pathOf = new Map(calls.map((c) => [c.tag, c.path]));
    const receipts = await h.gov.listReceipts(caseId);
    expect(receipts.map((r) => [r.taskId, r.errorType, r.scope]).sort()).toEqual(
      refused.map((l) => [l.id, 'budget_exceeded', pathOf.get(l.tag)]).sort(),
    );
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true });
  });
});

describeWithServer('case budgets under concurrent executions, two worker processes', () => {
  const h = useWorkerSuite({ tools: caseTools });
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    // After h.gov is created, so the schema and the job table exist before the child starts.
    worker = await startWorkerProcess(h.url, { WORKER_TOOLS: 'case' });
  });
  afterAll(async () => {
    if (!worker) return;
    await h.settleLaneJobs([`countersign-${process.pid}`, `countersign-${worker.pid}`]);
    worker.child.kill('SIGTERM');
    const guard = setTimeout(() => worker!.child.kill('SIGKILL'), 15_000);
    await worker.exited;
    clearTimeout(guard);
  });

  it('50 concurrent executions with maxEffects 10: still exactly 10 runs', async () => {
    // Both processes' workers are running: the executions race across them as they queue.
    await raceFiftyForTen(h, 'pair', async () => {});
  });
});
