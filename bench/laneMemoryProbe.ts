// Child process of the lane bench: decides 1,000 pending lanes and reads lanes back, then
// prints its RSS after a full GC. Run with --expose-gc.
import { createGovernance } from '../src/governance.js';
import { transfer } from './laneFixtures.js';
import { rawOrm } from './support.js';

const url = process.argv[2]!;
const sql = await rawOrm(url, 1);
const rows = await sql.em
  .getConnection()
  .execute(
    `select id, proposal_id from tool_approvals where status = 'pending' order by random() limit 1000`,
  );
await sql.close(true);

const gov = await createGovernance({ tools: [transfer], databaseUrl: url, enqueue: () => {} });
for (const [i, row] of rows.entries()) {
  await gov.getActiveApproval(row.proposal_id as string);
  const result =
    i % 2 === 0
      ? await gov.approve(row.id as string, 'approver-1')
      : await gov.reject(row.id as string, 'approver-1', { reason: 'probe' });
  if (!result.ok) throw new Error(`decision refused: ${result.error}`);
}
globalThis.gc?.();
console.log(`rss_mb=${(process.memoryUsage().rss / 1_048_576).toFixed(1)}`);
await gov.close();
