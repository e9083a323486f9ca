import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { consoleAssetsDir } from '../../../src/http/consoleRoutes.js';

/** Debian's Chromium: CI installs it; nothing here ever downloads a browser. */
export const chromiumPath = '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(
    `The console's browser suite is skipped: no Chromium at ${chromiumPath} (apt-get install chromium).`,
  );
}

const axeScript = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const screenshotDir = resolve(import.meta.dirname, '../../../test-results/console');

/** One headless Chromium for the suite, and a fresh page (its own sessionStorage) per call. */
export function useBrowser(): { page(): Promise<Page> } {
  let browser: Browser | null = null;
  beforeAll(async () => {
    if (!existsSync(join(consoleAssetsDir(), 'index.html'))) {
      throw new Error('dist/console is missing: run `npm run build` before the console suite');
    }
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async page() {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
      return page;
    },
  };
}

/** Opens the console at `hash` and signs in with `token`; resolves once the page has loaded. */
export async function signIn(page: Page, base: string, token: string, hash = '#/'): Promise<void> {
  await page.goto(`${base}/console/${hash}`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#main[data-loaded="true"]').waitFor();
}

/** A marker on the document: still there later means the page never reloaded. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate('document.documentElement.dataset.marker = "kept"');
}
export const stillMarked = (page: Page): Promise<boolean> =>
  page.evaluate('document.documentElement.dataset.marker === "kept"') as Promise<boolean>;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axeScript });
  const violations = (await page.evaluate(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

/** Writes `test-results/console/<name>.png`, the artefact the README's pictures come from. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}
