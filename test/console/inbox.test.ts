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

  /** Filters the inbox to one conversation and waits for its `n` lanes. */
  async function showConversation(page: Page, conversationId: string, n: number) {
    await page.getByLabel('Conversation').fill(conversationId);
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor(
      'the filtered inbox',
      () => shownLanes(page),
      (shown) => shown.length === n,
    );
  }

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
    await showConversation(page, 'conv-console-list', 3);
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
    await showConversation(page, 'conv-console-batch', 20);
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

  it("'n' on a lane page goes to the next lane the filtered inbox shows", async () => {
    // The most urgent lanes of all are elsewhere: an unfiltered `n` would go to them.
    await pendingLanes('conv-console-elsewhere', 2);
    const ids = await pendingLanes('conv-console-next', 3);
    const page = await browser.page();
    await signIn(page, s.base, s.tokens.approver);
    await showConversation(page, 'conv-console-next', 3);
    expect(await shownLanes(page)).toEqual(ids);
    await page.locator(`tr[data-lane-id="${ids[0]}"] a`).click();
    const visited: string[] = [];
    let here = ids[0]!;
    for (let i = 0; i < 3; i++) {
      // This lane's page, loaded: its `n` is the one that answers.
      await page.getByRole('heading', { name: `Lane ${here.slice(0, 8)}` }).waitFor();
      await page.locator('#main[data-loaded="true"]').waitFor();
      await page.keyboard.press('n');
      await page.waitForURL((url) => !url.hash.endsWith(here));
      here = new URL(page.url()).hash.replace('#/lanes/', '');
      visited.push(here);
      if (!ids.includes(here)) break; // left the filtered lanes: the assertion says where
    }
    // In the inbox's order, from the top again after the last.
    expect(visited).toEqual([ids[1], ids[2], ids[0]]);
    await page.context().close();
  });

  it('drops a lane decided through the API meanwhile, live, without a reload', async () => {
    const ids = await pendingLanes('conv-console-live', 3);
    const page = await browser.page();
    await signIn(page, s.base, s.tokens.approver);
    await page.locator('#live', { hasText: 'Live' }).waitFor();
    await showConversation(page, 'conv-console-live', 3);
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
