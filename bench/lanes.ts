import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createGovernance } from '../src/governance.js';
import { cloneLanes, openLanes, stockLanes, transfer } from './laneFixtures.js';
import { count, createBenchDatabase, perSecond, rawOrm, versusRawInsert } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const POOL = 10;

/** RSS (MB) of a fresh process that decides lanes on `url`, as printed by the probe. */
function probeRss(url: string): Promise<number> {
  const probe = fileURLToPath(new URL('./laneMemoryProbe.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', probe, url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      const rss = Number(/rss_mb=([\d.]+)/.exec(out)?.[1]);
      if (code === 0 && Number.isFinite(rss)) resolve(rss);
      else reject(new Error(`memory probe failed (exit ${code}): ${out}`));
    });
  });
}

/**
 * Prints decision events/s at concurrency 1 and 8 next to raw single-row INSERT commits/s
 * in the same run, and the RSS of a deciding process with 1,000 vs 100,000 pending lanes.
 */
export async function runLaneBench(): Promise<void> {
  const db = await createBenchDatabase();
  const gov = await createGovernance({
    tools: [transfer],
    databaseUrl: db.url,
    poolSize: POOL,
    enqueue: () => {},
  });
  try {
    const lanes = await openLanes(gov, 4_000, 8);
    const decide = async () => {
      const laneId = lanes.pop();
      if (!laneId) throw new Error('out of pending lanes');
      const result = await gov.approve(laneId, 'approver-1');
      if (!result.ok) throw new Error(`approve refused: ${result.error}`);
    };
    let ratioAt8 = 0;
    for (const concurrency of [1, 8]) {
      // A short probe at this concurrency sizes the stock of pending lanes for its rounds.
      const probe = await perSecond(250, concurrency, decide);
      await stockLanes(gov, lanes, probe, SECONDS + 0.5, 4_000);
      const { rate, raw, percent } = await versusRawInsert(
        db.url,
        concurrency,
        SECONDS,
        POOL,
        decide,
      );
      if (concurrency === 8) ratioAt8 = percent;
      console.log(
        `decisions c=${concurrency}: ${count(rate)} events/s | raw INSERT c=${concurrency}: ` +
          `${count(raw)} commits/s | ${percent.toFixed(0)}% of raw`,
      );
    }
    console.log(`decisions vs raw INSERT at concurrency 8: ${ratioAt8.toFixed(0)}% (goal >= 30%)`);

    // Memory: the same deciding workload with 1,000, then 100,000 pending lanes in the table.
    const sql = await rawOrm(db.url, 1);
    const template = lanes[0]!;
    const pending = async () =>
      Number(
        (
          await sql.em
            .getConnection()
            .execute(`select count(*)::int as n from tool_approvals where status = 'pending'`)
        )[0]!.n,
      );
    await sql.em
      .getConnection()
      .execute(`delete from tool_approvals where status = 'pending' and id <> ?`, [template]);
    await cloneLanes(sql, template, 1_000 - (await pending()));
    const small = await probeRss(db.url);
    await cloneLanes(sql, template, 100_000 - (await pending()));
    const large = await probeRss(db.url);
    await sql.close(true);
    console.log(
      `RSS while deciding: ${small.toFixed(1)} MB with 1,000 pending lanes | ` +
        `${large.toFixed(1)} MB with 100,000 | difference ${(large - small).toFixed(1)} MB (goal <= 50 MB)`,
    );
  } finally {
    await gov.close();
    await db.drop();
  }
}
