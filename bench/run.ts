import { runProposalBench } from './proposals.js';

// Every benchmark, one after the other; each prints its own figures.
console.log(`countersign bench: node ${process.version}`);
await runProposalBench();
