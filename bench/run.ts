import { runLaneBench } from './lanes.js';
import { runProposalBench } from './proposals.js';
import { runWorkerBench } from './workers.js';

// Every benchmark, one after the other; each prints its own figures.
console.log(`countersign bench: node ${process.version}`);
await runProposalBench();
await runLaneBench();
await runWorkerBench();
