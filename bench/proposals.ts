import { z } from 'zod';
import { createGovernance } from '../src/governance.js';
import type { Governance } from '../src/governance.js';
import { defineTool } from '../src/tools/defineTool.js';
import { count, createBenchDatabase, perSecond, versusRawInsert } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const POOL = 10;

/** A tool with a five-field schema, a required scope and a synchronous policy. */
const order = defineTool({
  name: 'place_order',
  input: z.object({
    orderId: z.string().min(1).max(64),
    sku: z.string().min(1).max(32),
    quantity: z.number().int().positive(),
    currency: z.enum(['EUR', 'USD', 'GBP']),
    express: z.boolean(),
  }),
  riskTier: 'medium',
  approvalMode: 'requires_approval',
  requiredScopes: ['orders:write'],
  authorize: (_actor, input) =>
    input.quantity > 1_000 ? { allow: false, reason: 'bulk_order' } : { allow: true },
  run: () => 'placed',
});

const input = (n: number) => ({
  orderId: `order-${n}`,
  sku: 'SKU-42',
  quantity: (n % 50) + 1,
  currency: 'EUR' as const,
  express: n % 2 === 0,
});
const context = (n: number) => ({ input: input(n), scopes: ['orders:write'] });

async function benchValidate(gov: Governance): Promise<void> {
  const ctx = context(1);
  // Warm up the JIT before measuring.
  for (let i = 0; i < 50_000; i += 1) await gov.validate('place_order', 'agent-7', ctx);
  const rate = await perSecond(SECONDS * 1000, 1, async () => {
    // Batches keep the timer check out of the per-call cost; each call is still awaited.
    for (let i = 0; i < 100; i += 1) {
      const result = await gov.validate('place_order', 'agent-7', ctx);
      if (!result.ok) throw new Error(`validate blocked: ${result.outcome}`);
    }
  });
  console.log(`validate: ${count(rate * 100)} calls/s (goal >= 200,000)`);
}

/** Numbers every propose call of the run, so no two carry the same input. */
let uniqueCalls = 0;

/** One propose with a unique input, so every call writes its rows. */
async function propose(gov: Governance, _n: number, run: string) {
  const result = await gov.propose('place_order', 'agent-7', {
    ...context(uniqueCalls++),
    conversationId: `bench-${run}`,
  });
  if (!result.ok || result.duplicate) throw new Error('propose did not store a new proposal');
}

/**
 * Prints `validate` calls/s for a five-field schema, and `propose` calls/s at concurrency 1
 * and 8 next to raw single-row INSERT commits/s on the same server, driver and concurrency.
 */
export async function runProposalBench(): Promise<void> {
  const db = await createBenchDatabase();
  const gov = await createGovernance({
    tools: [order],
    databaseUrl: db.url,
    poolSize: POOL,
    enqueue: () => {},
  });
  try {
    await benchValidate(gov);

    let ratioAt8 = 0;
    for (const concurrency of [1, 8]) {
      const { rate, raw, percent } = await versusRawInsert(
        db.url,
        concurrency,
        SECONDS,
        POOL,
        (n) => propose(gov, n, `c${concurrency}`),
      );
      if (concurrency === 8) ratioAt8 = percent;
      console.log(
        `propose c=${concurrency}: ${count(rate)} calls/s | raw INSERT c=${concurrency}: ` +
          `${count(raw)} commits/s | ${percent.toFixed(0)}% of raw`,
      );
    }
    console.log(`propose vs raw INSERT at concurrency 8: ${ratioAt8.toFixed(0)}% (goal >= 40%)`);
  } finally {
    await gov.close();
    await db.drop();
  }
}
