import { describe, expect, it } from 'vitest';
import { proposer } from '../workers/support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite } from '../workers/support/workerHarness.js';
import { decisionOverrides, decisionTools } from './support/decisionTools.js';

const signingKey = { keyId: 'links-edit', hmacSecret: 'a secret only the host knows, 32b+' };
const h = useWorkerSuite({
  tools: decisionTools,
  startWorkers: false,
  overrides: { ...decisionOverrides, decisionLinks: { signingKey } },
});

describe('a decision link and an edit made since', () => {
  it('a link for a lane whose input another approver edited is refused; nothing written', async () => {
    const input = { tag: uniqueTag('link-edit'), account: 'acme', cents: 900 };
    const proposed = await h.gov.propose('wire', proposer, { input });
    if (!proposed.ok) throw new Error(JSON.stringify(proposed));
    const opened = await h.gov.requestApproval(proposed.proposal.id);
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    const laneId = opened.approval.id;
    const link = await h.gov.createDecisionLink(laneId, {
      decision: 'APPROVE',
      approverId: 'reviewer-2',
      expiresIn: 600,
    });
    if (!link.ok) throw new Error(link.error);

    // reviewer-1 edits the amount: the quorum now collects approvals of the edited input.
    const edited = await h.gov.approve(laneId, 'reviewer-1', { input: { ...input, cents: 400 } });
    expect(edited).toMatchObject({ ok: true, approval: { status: 'pending' } });

    const before = await h.fingerprint();
    expect(await h.gov.useDecisionLink(link.token)).toMatchObject({
      ok: false,
      error: 'input_changed',
    });
    expect(await h.fingerprint()).toBe(before);

    // An approval that does not name the input it saw approves nothing now.
    expect(await h.gov.approve(laneId, 'reviewer-2')).toMatchObject({
      ok: false,
      error: 'conflict',
      reason: 'input_changed',
    });
    expect(await h.fingerprint()).toBe(before);
    // reviewer-2, seeing the edit, approves it: the quorum approves the edited input.
    if (!edited.ok) return;
    const seen = edited.approval.inputHash;
    const approved = await h.gov.approve(laneId, 'reviewer-2', { inputHash: seen });
    expect(approved).toMatchObject({
      ok: true,
      approval: { status: 'approved', edit: { input: { cents: 400 } } },
    });
    expect(await h.gov.verifyAuditTrail(proposed.proposal.id)).toMatchObject({ ok: true });
  });
});
