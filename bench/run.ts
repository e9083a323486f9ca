import { runAuditBench } from './audit.js';
import { runBurstBench } from './burst.js';
import { runCaseBench } from './cases.js';
import { runCycleBench } from './cycle.js';
import { runHttpBench } from './http.js';
import { runLaneBench } from './lanes.js';
import { runProposalBench } from './proposals.js';
import { runWorkerBench } from './workers.js';

// Every benchmark, one after the other; each prints its own figures.
console.log(`countersign bench: node ${process.version}`);
runCycleBench();
await runProposalBench();
await runLaneBench();
await runWorkerBench();
await runAuditBench();
await runBurstBench();
await runCaseBench();
await runHttpBench();
