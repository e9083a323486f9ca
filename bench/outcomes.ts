import { createGovernance } from '../src/governance.js';
import { openLanes, transfer } from './laneFixtures.js';
import { count, createBenchDatabase } from './support.js';

const WAITERS = 1_000;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * Prints a 1,000-lane decideMany's time, and awaitOutcome's wake-up latency: 1,000 agents await their proposals' outcomes while
 * their lanes are rejected 8 at a time; from each rejection's commit (its call returning) to
 * its waiter resolving. The waiters are woken in this process by the commit's transition.
 */
export async function runOutcomeBench(): Promise<void> {
  const db = await createBenchDatabase();
  const gov = await createGovernance({ tools: [transfer], databaseUrl: db.url, enqueue: () => {} });
  try {
    const lanes = await openLanes(gov, WAITERS, 8);
    const proposals = await Promise.all(lanes.map((id) => gov.getApproval(id)));
    const decided = new Map<string, number>();
    const latencies: number[] = [];
    const waiting = proposals.map(async (a) => {
      await gov.awaitOutcome(a!.proposalId);
      const done = performance.now();
      // Settled before the decision call returned: the wake came with the commit.
      latencies.push(Math.max(0, done - (decided.get(a!.id) ?? done)));
    });
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < lanes.length) {
          const id = lanes[next++]!;
          await gov.reject(id, 'approver-1', { reason: 'bench' });
          decided.set(id, performance.now());
        }
      }),
    );
    await Promise.all(waiting);
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    // A batch: 1,000 pending lanes decided together in one commit.
    const batch = await openLanes(gov, 1_000, 8);
    const t0 = performance.now();
    const batchResult = await gov.decideMany(
      batch.map((laneId) => ({ laneId, event: { type: 'APPROVE' as const } })),
      'approver-1',
    );
    if (!batchResult.ok) throw new Error('the batch was refused');
    console.log(
      `decideMany: a batch of 1,000 lanes judged and committed in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    console.log(
      `awaitOutcome: ${count(WAITERS)} waiters, decided at c=8 in ${seconds.toFixed(1)} s; wake-up after the decision: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms`,
    );
  } finally {
    await gov.close();
    await db.drop();
  }
}
