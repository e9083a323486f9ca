// Run by bench/http.ts as its own process, so the load generator does not share its CPU:
// opens pending lanes, measures in-process decisions at concurrency 16, then serves HTTP and
// prints `ready <url> <file of pending lane ids>` and `inprocess <rate>`.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGovernance } from '../src/governance.js';
import { createServer, createToken, tokenDirectory } from '../src/index.js';
import { openLanes, transfer } from './laneFixtures.js';
import { perSecond } from './support.js';

const [url, token] = process.argv.slice(2) as [string, string];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const gov = await createGovernance({
  tools: [transfer],
  databaseUrl: url,
  poolSize: 10,
  enqueue: () => {},
});
const lanes = await openLanes(gov, Number(process.env.BENCH_HTTP_LANES ?? 14_000), 8);

const rate = await perSecond(SECONDS * 1000, 16, async () => {
  const result = await gov.approve(lanes.pop()!, 'approver-1');
  if (!result.ok) throw new Error(`approve refused: ${result.error}`);
});
process.stdout.write(`inprocess ${rate}\n`);

const server = await createServer(gov, {
  resolveToken: tokenDirectory([
    { tokenHash: createToken().tokenHash, actorId: 'nobody' },
    { tokenHash: token, actorId: 'approver-1' },
  ]),
  rateLimit: false,
});
const address = await server.listen({ port: 0, host: '127.0.0.1' });
const file = join(tmpdir(), `countersign-bench-lanes-${process.pid}.json`);
writeFileSync(file, JSON.stringify(lanes));
process.stdout.write(`ready ${address} ${file}\n`);
process.once('SIGTERM', () => {
  void server
    .close()
    .then(() => gov.close())
    .then(() => process.exit(0));
});
