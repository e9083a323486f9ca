import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createGovernance } from '../src/governance.js';
import { consoleAssetsDir } from '../src/http/consoleRoutes.js';
import { createServer } from '../src/http/server.js';
import { createToken, tokenDirectory } from '../src/http/tokens.js';
import { openLanes, transfer } from './laneFixtures.js';
import { createBenchDatabase } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const LANES = 1_000;
const RUNS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Prints how long the console's first load takes with 1,000 pending lanes: from navigation
 * start to the inbox drawn with its first page, in headless Chromium against `createServer` on
 * loopback, each run in a fresh browser context (nothing cached), median of five.
 */
export async function runConsoleBench(): Promise<void> {
  if (!existsSync(CHROMIUM) || !existsSync(join(consoleAssetsDir(), 'index.html'))) {
    console.log(`console first load: skipped (needs ${CHROMIUM} and \`npm run build\`)`);
    return;
  }
  const db = await createBenchDatabase();
  const gov = await createGovernance({ tools: [transfer], databaseUrl: db.url, enqueue: () => {} });
  const { token, tokenHash } = createToken();
  const server = await createServer(gov, {
    resolveToken: tokenDirectory([{ tokenHash, actorId: 'approver-1', roles: ['approver'] }]),
    rateLimit: false,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    await openLanes(gov, LANES, 8);
    const base = await server.listen({ port: 0, host: '127.0.0.1' });
    const times: number[] = [];
    let rows = 0;
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      // Signed in already, as a reviewer coming back in the same tab is.
      await context.addInitScript({
        content: `sessionStorage.setItem('countersign.token', ${JSON.stringify(token)})`,
      });
      const page = await context.newPage();
      await page.goto(`${base}/console/`);
      await page.locator('#main[data-loaded="true"]').waitFor();
      // The page marks the moment it drew the inbox, measured from navigation start: the
      // driver's own polling stays out of the figure.
      times.push(
        (await page.evaluate("performance.getEntriesByName('inbox-drawn')[0].startTime")) as number,
      );
      rows = await page.locator('tbody tr[data-lane-id]').count();
      await context.close();
    }
    console.log(
      `console first load, ${LANES.toLocaleString('en-US')} pending lanes: inbox drawn in ` +
        `${median(times).toFixed(0)} ms (median of ${RUNS} cold loads; ${rows} rows on the first page)`,
    );
  } finally {
    await browser.close();
    await server.close();
    await gov.close();
    await db.drop();
  }
}
