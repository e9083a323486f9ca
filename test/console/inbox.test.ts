import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useHttpSuite } from '../http/support/httpHarness.js';
import { waitFor } from '../workers/support/workerHarness.js';
import { proposer } from '../workers/support/sideEffectTools.js';
import {
  hasChromium,
  markDocument,
  screenshot,
  seriousViolations,
  signIn,
  stillMarked,
  useBrowser,
} from './support/browser.js';

describe.skipIf(!hasChromium)('console: the inbox', () => {
  const s = useHttpSuite({ startWorkers: false });
  const browser = useBrowser();

  async function pendingLanes(conversationId: string, n: number, tag = conversationId) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = await s.h.gov.propose('ship', proposer, {
        input: { tag: `${tag}-${i}`, qty: i + 1 },
        conversationId,
      });
      if (!p.ok) throw new Error(`propose: ${p.outcome}`);
      const lane = await s.h.gov.requestApproval(p.proposal.id, { ttlSeconds: 3_600 + i * 60 });
      if (!lane.ok) throw new Error(`requestApproval: ${lane.error}`);
      ids.push(lane.approval.id);
    }
    return ids;
  }

  /** The lane ids the inbox shows, in its order. */
  const shownLanes = async (page: Page) =>
    page
      .locator('tbody tr[data-lane-id]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-lane-id')));

  it('refuses a token nobody issued, then signs in and lists the pending lanes the database holds', async () => {
    const ids = await pendingLanes('conv-console-list', 3);
    const page = await browser.page();
    await page.goto(`${s.base}/console/`);
    await page.getByLabel('Access token').fill('cs_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token was not accepted.').waitFor();

    await signIn(page, s.base, s.tokens.approver);
    const api = await s.call('approver', 'GET', '/lanes?limit=500');
    expect(await shownLanes(page)).toEqual(
      api.body.items.map((i: { approval: { id: string } }) => i.approval.id),
    );
    expect(await shownLanes(page)).toEqual(expect.arrayContaining(ids));
    // Most urgent first: the lane with the shortest time to live leads.
    await page.getByLabel('Conversation').fill('conv-console-list');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor(
      'the filtered inbox',
      () => shownLanes(page),
      (shown) => shown.length === 3,
    );
    expect(await shownLanes(page)).toEqual(ids);
    const first = page.locator(`tr[data-lane-id="${ids[0]}"]`);
    await expect(first.locator('.quorum').textContent()).resolves.toBe('0 of 1');
    await expect(first.locator('time[data-expires]').textContent()).resolves.toMatch(
      /^(59 min \d+ s|1 h) left$/,
    );
    await page.getByLabel('Risk tier').selectOption('low');
    await page.getByText('Nothing is waiting for a decision.').waitFor();
    await page.getByLabel('Risk tier').selectOption('');
    await waitFor(
      'the unfiltered tier',
      () => shownLanes(page),
      (shown) => shown.length === 3,
    );

    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'inbox');
    await page.context().close();
  });

  it('approves a batch of 20 selected lanes as one decision', async () => {
    const ids = await pendingLanes('conv-console-batch', 20);
    const page = await browser.page();
    await signIn(page, s.base, s.tokens.approver);
    await page.getByLabel('Conversation').fill('conv-console-batch');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor(
      '20 rows',
      () => shownLanes(page),
      (shown) => shown.length === 20,
    );
    await page.getByLabel('Select every lane shown').check();
    await page.getByText('20 pending · 20 selected').waitFor();
    // Reject without a reason is refused in the page, before anything is sent.
    const before = await s.h.fingerprint();
    await page.getByRole('button', { name: 'Reject selected' }).click();
    await page.getByRole('alert').getByText('A reason is required to reject.').waitFor();
    expect(await s.h.fingerprint()).toBe(before);

    const posts: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && posts.push(new URL(r.url()).pathname));
    await page.getByRole('button', { name: 'Approve selected' }).click();
    await page.getByText('20 approved.').waitFor();
    // One all-or-nothing request, not twenty.
    expect(posts).toEqual(['/lanes/decisions']);
    const rows = await s.h.sql.query<{ status: string; decided_by: string }>(
      `select status, decided_by from tool_approvals where id = any(?::uuid[])`,
      [`{${ids.join(',')}}`],
    );
    expect(rows.map((r) => [r.status, r.decided_by])).toEqual(
      Array(20).fill(['approved', 'reviewer-1']),
    );
    await page.getByText('Nothing is waiting for a decision.').waitFor();
    await page.context().close();
  });

  it('drops a lane decided through the API meanwhile, live, without a reload', async () => {
    const ids = await pendingLanes('conv-console-live', 3);
    const page = await browser.page();
    await signIn(page, s.base, s.tokens.approver);
    await page.locator('#live', { hasText: 'Live' }).waitFor();
    await page.getByLabel('Conversation').fill('conv-console-live');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor(
      '3 rows',
      () => shownLanes(page),
      (shown) => shown.length === 3,
    );
    await markDocument(page);

    const sent = performance.now();
    const decided = await s.call('approver2', 'POST', `/lanes/${ids[1]}/events`, {
      type: 'REJECT',
      reason: 'decided elsewhere',
    });
    expect(decided.status).toBe(200);
    await page.locator(`tr[data-lane-id="${ids[1]}"]`).waitFor({ state: 'detached' });
    console.log(
      `console: a lane decided through the API left the inbox after ${Math.round(performance.now() - sent)} ms`,
    );
    expect(await shownLanes(page)).toEqual([ids[0], ids[2]]);
    expect(await stillMarked(page)).toBe(true);

    // A lane opened meanwhile appears the same way.
    const [added] = await pendingLanes('conv-console-live', 1, 'console-live-later');
    await page.locator(`tr[data-lane-id="${added}"]`).waitFor();
    expect(await stillMarked(page)).toBe(true);
    await page.context().close();
  });
});
