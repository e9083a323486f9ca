import { randomBytes, randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';

/** The server benchmarks run on: DATABASE_URL, else the local PostgreSQL. */
export const benchServerUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A MikroORM (PostgreSQL driver) with no entities, for raw SQL. */
export function rawOrm(clientUrl: string, poolSize: number): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: poolSize },
    allowGlobalContext: false,
  });
}

/** A fresh database on the bench server, dropped by `drop()`. */
export async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cs_bench_${randomBytes(6).toString('hex')}`;
  const admin = await rawOrm(benchServerUrl, 1);
  await admin.em.getConnection().execute(`create database "${name}"`);
  const url = new URL(benchServerUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      await admin.close(true);
    },
  };
}

/**
 * Runs `op` from `concurrency` loops for `durationMs` and returns completed calls per
 * second. Each loop passes its own counter, so every call can build a unique input.
 */
export async function perSecond(
  durationMs: number,
  concurrency: number,
  op: (n: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  let done = 0;
  const start = performance.now();
  const end = start + durationMs;
  const loop = async () => {
    while (performance.now() < end) {
      await op(next++);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return done / ((performance.now() - start) / 1000);
}

/** `1234567.8` → `1,234,568`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The raw baseline's row: the same column kinds a proposal write carries. */
const RAW_TABLE =
  'create table if not exists bench_raw (id uuid primary key, payload jsonb not null, created_at timestamptz not null)';

/**
 * Single-row INSERT commits/s on `url` with the same driver (MikroORM's PostgreSQL
 * connection, on an EntityManager fork per call), pool size and concurrency as countersign.
 * Each insert is its own autocommit transaction.
 */
export async function rawInsertRate(
  url: string,
  concurrency: number,
  durationMs: number,
  poolSize: number,
): Promise<number> {
  const orm = await rawOrm(url, poolSize);
  try {
    await orm.em.getConnection().execute(RAW_TABLE);
    const insert = (n: number) =>
      orm.em
        .fork()
        .getConnection()
        .execute('insert into bench_raw (id, payload, created_at) values (?, ?::jsonb, ?)', [
          randomUUID(),
          JSON.stringify({ orderId: `order-${n}`, sku: 'SKU-42', quantity: (n % 50) + 1 }),
          new Date().toISOString(),
        ]);
    // Unmeasured warm-up: opens the pool's connections, as countersign's already are.
    await perSecond(200, concurrency, insert);
    return await perSecond(durationMs, concurrency, insert);
  } finally {
    await orm.close(true);
  }
}

/**
 * Calls/s of `op` next to raw INSERT commits/s at the same concurrency, measured in
 * alternating one-second rounds (after a short warm-up of both), so a busy neighbour or
 * a checkpoint slows both sides alike.
 */
export async function versusRawInsert(
  url: string,
  concurrency: number,
  seconds: number,
  poolSize: number,
  op: (n: number) => Promise<unknown>,
): Promise<{ rate: number; raw: number; percent: number }> {
  await perSecond(200, concurrency, op);
  let rate = 0;
  let raw = 0;
  for (let round = 0; round < seconds; round += 1) {
    rate += (await perSecond(1000, concurrency, op)) / seconds;
    raw += (await rawInsertRate(url, concurrency, 1000, poolSize)) / seconds;
  }
  return { rate, raw, percent: (rate / raw) * 100 };
}
