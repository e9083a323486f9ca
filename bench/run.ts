import { runAuditBench } from './audit.js';
import { runBurstBench } from './burst.js';
import { runCaseBench } from './cases.js';
import { runConsoleBench } from './console.js';
import { runCycleBench } from './cycle.js';
import { runHttpBench } from './http.js';
import { runLaneBench } from './lanes.js';
import { runOutcomeBench } from './outcomes.js';
import { runProposalBench } from './proposals.js';
import { runQuorumBench } from './quorum.js';
import { runWorkerBench } from './workers.js';

// Every benchmark, one after the other; each prints its own figures. The in-memory cycle
// runs last: its 40,000 machine cycles leave the process slower for the database benches
// that follow (decisions c=8 measured 2,034/s after it, 3,249/s without it).
console.log(`countersign bench: node ${process.version}`);
await runProposalBench();
await runLaneBench();
await runWorkerBench();
await runAuditBench();
await runBurstBench();
await runCaseBench();
await runHttpBench();
await runOutcomeBench();
await runQuorumBench();
await runConsoleBench();
runCycleBench();
