import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/index.js';
import { httpTools, useHttpSuite } from '../http/support/httpHarness.js';
import { proposer } from '../workers/support/sideEffectTools.js';
import { hasChromium, seriousViolations, signIn, useBrowser } from './support/browser.js';

// `notify`: an approver may correct the address a message goes to.
const notify = defineTool({
  name: 'notify',
  input: z.object({ to: z.email(), text: z.string() }),
  riskTier: 'high',
  approvalMode: 'requires_approval',
  requiredScopes: ['ship:write'],
  editableOnApproval: ['to'],
  run: async ({ to }) => ({ sent: to }),
});

describe.skipIf(!hasChromium)("console: the edit form's messages", () => {
  const s = useHttpSuite({ startWorkers: false, tools: (sql) => [...httpTools(sql), notify] });
  const browser = useBrowser();

  it('says an invalid e-mail must be an e-mail address, not the pattern, and sends nothing', async () => {
    const p = await s.h.gov.propose('notify', proposer, {
      input: { to: 'dana@example.com', text: 'your refund is on its way' },
    });
    if (!p.ok) throw new Error(`propose: ${p.outcome}`);
    const lane = await s.h.gov.requestApproval(p.proposal.id);
    if (!lane.ok) throw new Error(`requestApproval: ${lane.error}`);
    const page = await browser.page();
    await signIn(page, s.base, s.tokens.approver, `#/lanes/${lane.approval.id}`);
    const posts: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && posts.push(new URL(r.url()).pathname));

    await page.locator('#edit-to').fill('dana at example.com');
    await page.getByRole('button', { name: 'Approve edited input' }).click();
    await expect(page.locator('#err-edit-to').textContent()).resolves.toBe(
      'Must be an e-mail address',
    );
    await expect(page.locator('#edit-errors [role="alert"]').textContent()).resolves.toBe(
      "The edited input does not match the tool's schema: to: Must be an e-mail address",
    );
    await expect(page.locator('#edit-to').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    expect(posts).toEqual([]);
    expect((await s.h.laneState(lane.approval.id)).status).toBe('pending');
    await page.context().close();
  });
});
