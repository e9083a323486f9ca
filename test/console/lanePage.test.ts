import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useHttpSuite } from '../http/support/httpHarness.js';
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

describe.skipIf(!hasChromium)('console: the lane page', () => {
  const s = useHttpSuite();
  const browser = useBrowser();

  async function pendingLane(tag: string, caseId?: string) {
    const p = await s.h.gov.propose('ship', proposer, {
      input: { tag, qty: 2 },
      conversationId: 'conv-console-lane',
      ...(caseId ? { caseId } : {}),
    });
    if (!p.ok) throw new Error(`propose: ${p.outcome}`);
    const lane = await s.h.gov.requestApproval(p.proposal.id);
    if (!lane.ok) throw new Error(`requestApproval: ${lane.error}`);
    return { laneId: lane.approval.id, proposalId: p.proposal.id };
  }

  async function openLane(who: keyof typeof s.tokens, laneId: string): Promise<Page> {
    const page = await browser.page();
    await signIn(page, s.base, s.tokens[who], `#/lanes/${laneId}`);
    await page.locator('#lane-status').waitFor();
    return page;
  }

  it('approves with a note and shows the call execute, live, with the machine lit', async () => {
    const tag = 'console-exec';
    const { laneId } = await pendingLane(tag);
    const page = await openLane('approver', laneId);
    await expect(page.locator('#proposer').textContent()).resolves.toBe(proposer);
    expect(JSON.parse((await page.locator('#lane-input').textContent())!)).toEqual({ tag, qty: 2 });
    await page.locator('#lane-diagram[data-rendered="pending"]').waitFor();
    await page
      .locator('#chain-status', { hasText: "The proposal's audit chain verifies: 2 events" })
      .waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'lane');

    await markDocument(page);
    await page.getByLabel('Note (optional)').first().fill('checked in the console');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.locator('#lane-status', { hasText: 'executed' }).waitFor();
    await page.locator('#timeline li[data-type="executed"]').waitFor();
    await page.locator('#lane-diagram[data-rendered="executed"]').waitFor();
    expect(await stillMarked(page)).toBe(true);
    expect(
      await page.locator('#timeline li').evaluateAll((l) => l.map((e) => e.dataset.type)),
    ).toEqual(await s.h.laneEventTypes(laneId));
    expect(await s.h.runsOf(tag)).toHaveLength(1);
    const lane = await s.h.laneState(laneId);
    expect([lane.status, lane.decided_by]).toEqual(['executed', 'reviewer-1']);
    expect((await s.call('approver', 'GET', `/lanes/${laneId}`)).body.approval.note).toBe(
      'checked in the console',
    );
    await screenshot(page, 'lane-executed');
    await page.context().close();
  });

  it('refuses to reject without a reason in the page, writing nothing; defers with one', async () => {
    const { laneId } = await pendingLane('console-reason');
    const page = await openLane('approver', laneId);
    const before = await s.h.fingerprint();
    await page.getByRole('button', { name: 'Reject', exact: true }).click();
    await page.getByRole('alert').getByText('A reason is required to reject.').waitFor();
    await expect(page.locator('#reject-text').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await s.h.fingerprint()).toBe(before);
    expect((await s.h.laneState(laneId)).status).toBe('pending');

    await page.locator('#defer-text').fill('waiting for the customer');
    await page.getByRole('button', { name: 'Defer', exact: true }).click();
    await page.locator('#lane-status', { hasText: 'deferred' }).waitFor();
    const lane = await s.h.laneState(laneId);
    expect([lane.status, lane.decided_by]).toEqual(['deferred', 'reviewer-1']);
    await page.context().close();
  });

  it('shows how a lane without a quorum was decided, not an approvals count', async () => {
    const { laneId } = await pendingLane('console-decided');
    const page = await openLane('approver', laneId);
    await expect(page.locator('.facts dt').allTextContents()).resolves.toContain('Approvals');
    const rejected = await s.call('approver2', 'POST', `/lanes/${laneId}/events`, {
      type: 'REJECT',
      reason: 'wrong warehouse',
    });
    expect(rejected.status).toBe(200);
    await page.locator('#lane-status', { hasText: 'rejected' }).waitFor();
    await expect(page.locator('#lane-decision').textContent()).resolves.toBe(
      'Rejected by reviewer-2: wrong warehouse',
    );
    await expect(page.locator('.facts dt').allTextContents()).resolves.not.toContain('Approvals');
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it("shows the proposer's own approval as forbidden (four-eyes) and a missing role as such", async () => {
    const { laneId } = await pendingLane('console-own');
    const before = await s.h.fingerprint();
    const own = await openLane('agent', laneId);
    await expect(own.locator('#own-lane').textContent()).resolves.toMatch(
      /forbidden \(four-eyes\)/,
    );
    await own.getByRole('button', { name: 'Approve', exact: true }).click();
    const refusal = own.locator('[data-refusal="four_eyes"]');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toMatch(/^Forbidden: four-eyes/);
    await own.context().close();

    const intern = await openLane('noRole', laneId);
    await intern.getByRole('button', { name: 'Approve', exact: true }).click();
    await intern
      .locator('[data-refusal="missing_role"]', { hasText: 'Forbidden: missing role' })
      .waitFor();
    await intern.context().close();
    expect(await s.h.fingerprint()).toBe(before);
  });

  it('edit-then-approve: an invalid value shows the schema error and writes nothing; a valid one is approved', async () => {
    const { laneId } = await pendingLane('console-edit');
    const page = await openLane('approver', laneId);
    const before = await s.h.fingerprint();
    await page.locator('#edit-qty').fill('-3');
    await page.getByRole('button', { name: 'Approve edited input' }).click();
    await page.locator('#edit-errors [role="alert"]', { hasText: 'qty' }).waitFor();
    await expect(page.locator('#err-edit-qty').textContent()).resolves.toMatch(
      /greater than 0|at least 1/,
    );
    await expect(page.locator('#edit-qty').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await s.h.fingerprint()).toBe(before);
    expect((await s.h.laneState(laneId)).status).toBe('pending');

    await page.locator('#edit-qty').fill('5');
    await page.getByRole('button', { name: 'Approve edited input' }).click();
    const settled = await s.h.waitForLane(laneId, ['executed']);
    expect(settled.decided_by).toBe('reviewer-1');
    expect((await s.h.runsOf('console-edit')).map((r) => r.note)).toEqual(['qty=5']);
    await page.context().close();
  });

  it("moves the case's budget gauge live after an execution; the cases page lists it", async () => {
    await s.h.gov.definePolicy(
      'console-budget',
      {
        allowlists: { '/': ['ship'] },
        budgets: { '/': { maxEffects: 4, maxEffectTimeMs: 60_000 } },
      },
      { actorId: 'admin-1' },
    );
    const created = await s.h.gov.createCase({ policy: 'console-budget', actorId: proposer });
    if (!created.ok) throw new Error(`createCase: ${created.error}`);
    const caseId = created.case.id;
    const { laneId } = await pendingLane('console-case', caseId);

    const page = await browser.page();
    await signIn(page, s.base, s.tokens.approver, '#/cases');
    await page.locator(`tr[data-case-id="${caseId}"]`).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: caseId.slice(0, 8) }).click();
    const effects = page.locator('#gauge-root-effects');
    await page.locator('#gauge-root-effects[data-used="0"]').waitFor();
    await expect(effects.getAttribute('data-limit')).resolves.toBe('4');
    await page.locator('#case-lanes a', { hasText: laneId.slice(0, 8) }).waitFor();
    await markDocument(page);

    const approved = await s.call('approver2', 'POST', `/lanes/${laneId}/events`, {
      type: 'APPROVE',
    });
    expect(approved.status).toBe(200);
    await s.h.waitForLane(laneId);
    await page.locator('#gauge-root-effects[data-used="1"]').waitFor();
    await expect(effects.getByRole('meter').getAttribute('aria-valuetext')).resolves.toBe(
      '1 used, 0 reserved, 3 left of 4',
    );
    const budget = (await s.call('approver', 'GET', `/cases/${caseId}`)).body.budget.levels[0];
    expect(budget.used.effects).toBe(1);
    await page.getByText('Open lanes (0)').waitFor();
    expect(await stillMarked(page)).toBe(true);

    // A call outside the allowlist leaves a receipt; another call waits in the case.
    const refused = await s.h.gov.propose('lookup', proposer, { input: { tag: 'x' }, caseId });
    expect(refused.ok).toBe(false);
    await pendingLane('console-case-2', caseId);
    await page.locator('#receipts li', { hasText: 'allowlist violation' }).waitFor();
    await page.getByText('Open lanes (1)').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'case');
    await page.context().close();
  });
});
