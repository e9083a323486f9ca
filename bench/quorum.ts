import { createGovernance } from '../src/governance.js';
import { defineTool } from '../src/tools/defineTool.js';
import { openLanes, transfer } from './laneFixtures.js';
import { count, createBenchDatabase } from './support.js';

const LANES = 1_000;
const CONCURRENCY = 8;

/** `transfer` as a tool that needs two distinct approvers (2 of however many there are). */
const wire = defineTool({ ...transfer, name: 'wire', approvals: { count: 2 } });

/** Runs `decide` for each of `ids` at c=8; the decisions per second. */
async function decideAll(ids: string[], decide: (id: string) => Promise<unknown>) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ids.length) await decide(ids[next++]!);
    }),
  );
  return ids.length / ((performance.now() - start) / 1000);
}

/**
 * Prints decisions per second at c=8 for lanes that one approval decides and for 2-of-3
 * quorum lanes, where each lane takes two approvals by distinct approvers (the first is
 * recorded, the second completes it): every approval counts as one decision.
 */
export async function runQuorumBench(): Promise<void> {
  const db = await createBenchDatabase();
  const gov = await createGovernance({
    tools: [transfer, wire],
    databaseUrl: db.url,
    enqueue: () => {},
  });
  try {
    const single = await openLanes(gov, LANES, CONCURRENCY);
    const singleRate = await decideAll(single, async (id) => {
      const r = await gov.approve(id, 'approver-1');
      if (!r.ok || r.approval.status !== 'approved') throw new Error('single approval failed');
    });
    const quorum = await openLanes(gov, LANES, CONCURRENCY, undefined, 'wire');
    // Each lane's two approvals, interleaved with other lanes' at c=8.
    const votes = quorum.flatMap((id) => [`${id}|approver-1`, `${id}|approver-2`]);
    const quorumRate = await decideAll(votes, async (vote) => {
      const [id, actor] = vote.split('|') as [string, string];
      const r = await gov.approve(id, actor);
      if (!r.ok) throw new Error(`quorum approval failed: ${r.error}`);
    });
    const approved = await gov.listApprovals({ status: 'approved', tool: 'wire', limit: 1 });
    if (approved.items.length === 0) throw new Error('no quorum lane was approved');
    console.log(
      `decisions c=${CONCURRENCY}: single-approval lanes ${count(Math.round(singleRate))} decisions/s | 2-of-3 quorum lanes ${count(Math.round(quorumRate))} decisions/s (${count(Math.round(quorumRate / 2))} lanes/s)`,
    );
  } finally {
    await gov.close();
    await db.drop();
  }
}
