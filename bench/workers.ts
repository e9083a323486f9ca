import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createGovernance } from '../src/governance.js';
import type { Governance } from '../src/governance.js';
import { cloneLanes, openLanes, transfer } from './laneFixtures.js';
import { count, createBenchDatabase, rawOrm } from './support.js';

const LIFECYCLES = Number(process.env.BENCH_LIFECYCLES ?? 3_000);
const EXPIRING = 10_000;

/** Resolves when the lane reaches `executed`, as the workers report it. */
function executedLanes() {
  const waiting = new Map<string, () => void>();
  let executed = 0;
  const onTransition = (message: unknown) => {
    const { laneId, to } = message as { laneId: string; to: string };
    if (to !== 'executed') return;
    executed += 1;
    waiting.get(laneId)?.();
    waiting.delete(laneId);
  };
  subscribe('countersign:lane_transition', onTransition);
  return {
    count: () => executed,
    wait: (laneId: string) => new Promise<void>((resolve) => waiting.set(laneId, resolve)),
    close: () => unsubscribe('countersign:lane_transition', onTransition),
  };
}

async function lifecycle(gov: Governance, i: number): Promise<string> {
  const proposed = await gov.propose('transfer', 'agent-7', {
    input: { account: `w-${i}`, cents: i },
  });
  if (!proposed.ok) throw new Error('propose failed');
  const lane = await gov.requestApproval(proposed.proposal.id);
  if (!lane.ok) throw new Error(`requestApproval failed: ${lane.error}`);
  return lane.approval.id;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * Prints full lifecycles/s through the workers (propose → request → approve → resume →
 * execute → executed), approve → executed latency p50/p99, and the expiry lag when 10,000
 * lanes fall due at the same moment. Workers run in this process with default settings.
 */
export async function runWorkerBench(): Promise<void> {
  const db = await createBenchDatabase();
  const gov = await createGovernance({ tools: [transfer], databaseUrl: db.url });
  const executed = executedLanes();
  try {
    await gov.startWorkers();

    // Throughput: 16 host loops drive lifecycles; done when the workers executed them all.
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < LIFECYCLES) {
          const laneId = await lifecycle(gov, next++);
          const approved = await gov.approve(laneId, 'approver-1');
          if (!approved.ok) throw new Error(`approve refused: ${approved.error}`);
        }
      }),
    );
    while (executed.count() < LIFECYCLES) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `lifecycles through the workers: ${count(LIFECYCLES / seconds)}/s (${count(LIFECYCLES)} in ${seconds.toFixed(1)} s; goal >= 300/s)`,
    );

    // Latency: 4 host loops, each approving one lane and waiting for its execution.
    const latencies: number[] = [];
    let done = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (done++ < 600) {
          const laneId = await lifecycle(gov, LIFECYCLES + done);
          const finished = executed.wait(laneId);
          const t0 = performance.now();
          await gov.approve(laneId, 'approver-1');
          await finished;
          latencies.push(performance.now() - t0);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    console.log(
      `approve → executed latency: p50 ${percentile(latencies, 0.5).toFixed(0)} ms, p99 ${percentile(latencies, 0.99).toFixed(0)} ms (${latencies.length} lanes; goal p99 < 1000 ms)`,
    );

    // Expiry: 10,000 pending lanes whose deadline is the same instant. A lane counts as
    // expired when its expiry has committed, as the runtime reports it (the row's updated_at
    // is the sweep's decision time, which can precede the commit).
    const sql = await rawOrm(db.url, 1);
    const [template] = await openLanes(gov, 1, 1);
    await cloneLanes(sql, template!, EXPIRING - 1);
    const due = Date.now() + 3_000;
    const lags: number[] = [];
    const onExpired = (message: unknown) => {
      if ((message as { to: string }).to === 'expired') lags.push((Date.now() - due) / 1000);
    };
    subscribe('countersign:lane_transition', onExpired);
    await sql.em.getConnection().execute(
      `update tool_approvals set expires_at = ?::timestamptz,
         snapshot = jsonb_set(snapshot, '{context,expiresAt}', to_jsonb(?::text)) where status = 'pending'`,
      [new Date(due).toISOString(), new Date(due).toISOString()],
    );
    const deadline = Date.now() + 60_000;
    while (lags.length < EXPIRING && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    unsubscribe('countersign:lane_transition', onExpired);
    await sql.close(true);
    lags.sort((a, b) => a - b);
    const s = (v: number) => v.toFixed(2);
    console.log(
      `expiry lag for ${count(lags.length)} lanes due at once: p50 ${s(percentile(lags, 0.5))} s, p99 ${s(percentile(lags, 0.99))} s, all within ${s(lags.at(-1) ?? NaN)} s (goal: all within 10 s, p50 < 2 s)`,
    );
  } finally {
    executed.close();
    await gov.close();
    await db.drop();
  }
}
