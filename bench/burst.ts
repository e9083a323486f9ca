import { z } from 'zod';
import { createGovernance } from '../src/governance.js';
import { defineTool } from '../src/tools/defineTool.js';
import { count, createBenchDatabase, rawOrm } from './support.js';

const LANES = Number(process.env.BENCH_BURST_LANES ?? 5_000);
const PAUSE_S = Number(process.env.BENCH_BURST_PAUSE_S ?? 30);

/**
 * A burst of approved lanes while no worker runs, then workers for 30 s-old jobs: prints how
 * long until every lane ran, whether each ran exactly once, and the most jobs waiting for any
 * one lane at any sample (re-drives must not pile up behind jobs that are late, not lost).
 */
export async function runBurstBench(): Promise<void> {
  const db = await createBenchDatabase();
  const runs = new Map<string, number>();
  const burst = defineTool({
    name: 'burst',
    input: z.object({ n: z.number().int() }),
    riskTier: 'low',
    approvalMode: 'requires_approval',
    run: (_input, ctx) =>
      void runs.set(ctx.idempotencyKey, (runs.get(ctx.idempotencyKey) ?? 0) + 1),
  });
  const options = {
    tools: [burst],
    databaseUrl: db.url,
    execution: { redriveAfterMs: 1_000 },
    scheduler: { processEveryMs: 200 },
  };
  const host = await createGovernance(options);
  const workers = await createGovernance(options);
  const orm = await rawOrm(db.url, 1);
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < LANES) {
          const n = next++;
          const proposed = await host.propose('burst', 'agent-7', { input: { n } });
          if (!proposed.ok) throw new Error('propose failed');
          const lane = await host.requestApproval(proposed.proposal.id);
          if (!lane.ok) throw new Error(`requestApproval failed: ${lane.error}`);
          const approved = await host.approve(lane.approval.id, 'approver-1');
          if (!approved.ok) throw new Error(`approve failed: ${approved.error}`);
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, PAUSE_S * 1000));

    const started = performance.now();
    await workers.startWorkers();
    let most = 0;
    for (;;) {
      const [row] = await orm.em.getConnection().execute<{ most: number; done: number }[]>(
        `select coalesce((select max(n) from (select count(*)::int as n from countersign_jobs
            where next_run_at is not null and failed_at is null group by data->>'laneId') c), 0) as most,
          (select count(*)::int from tool_approvals where status = 'executed') as done`,
      );
      most = Math.max(most, row!.most);
      if (row!.done >= LANES) break;
      if (performance.now() - started > 300_000)
        throw new Error('the burst did not finish in 5 min');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seconds = (performance.now() - started) / 1000;
    const once = runs.size === LANES && [...runs.values()].every((n) => n === 1);
    console.log(
      `burst of ${count(LANES)} approved lanes, workers stopped ${PAUSE_S} s then started: ` +
        `all executed in ${seconds.toFixed(1)} s, ${once ? 'each ran exactly once' : 'NOT each once'}; ` +
        `most jobs waiting for one lane: ${most} (goal: 1)`,
    );
  } finally {
    await orm.close(true);
    await workers.close();
    await host.close();
    await db.drop();
  }
}
