import { describe, expect, it } from 'vitest';
import { rewriteAsLegacy } from '../support/legacyTrail.js';
import { approver, proposer } from '../workers/support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite } from '../workers/support/workerHarness.js';
import { decisionOverrides, decisionTools, directory } from './support/decisionTools.js';

const h = useWorkerSuite({ tools: decisionTools, overrides: decisionOverrides });

async function openTransfer(tool = 'transfer', extra: Record<string, unknown> = {}) {
  const tag = uniqueTag(tool);
  const input = { tag, account: 'acme', cents: 900 };
  const proposed = await h.gov.propose(tool, proposer, { input, ...extra });
  if (!proposed.ok) throw new Error(JSON.stringify(proposed));
  const opened = await h.gov.requestApproval(proposed.proposal.id);
  if (!opened.ok) throw new Error(JSON.stringify(opened));
  return { tag, input, proposalId: proposed.proposal.id, laneId: opened.approval.id };
}

describe('an edit the gates refuse leaves the lane pending and writes nothing', () => {
  it.each([
    ['the schema', { cents: 20_000 }, 'needs_input'],
    ['the policy', { account: 'blocked' }, 'policy_denied'],
  ])('%s', async (_gate, change, reason) => {
    const lane = await openTransfer();
    const before = await h.fingerprint();
    const result = await h.gov.approve(lane.laneId, approver, {
      input: { ...lane.input, ...change },
    });
    expect(result).toMatchObject({ ok: false, error: 'edit_refused', reason });
    expect(await h.fingerprint()).toBe(before);
    expect(await h.laneState(lane.laneId)).toMatchObject({ status: 'pending', version: 1 });
  });

  it("the scopes: the proposer's scope revoked since, any edit is refused", async () => {
    const lane = await openTransfer();
    const held = directory.get(proposer)!;
    directory.set(proposer, { ...held, scopes: [] });
    try {
      const before = await h.fingerprint();
      const result = await h.gov.approve(lane.laneId, approver, {
        input: { ...lane.input, cents: 100 },
      });
      expect(result).toMatchObject({ ok: false, error: 'edit_refused', reason: 'scope_invalid' });
      expect(await h.fingerprint()).toBe(before);
    } finally {
      directory.set(proposer, held);
    }
  });

  it("the case's budget: an edit that costs more than is left", async () => {
    const policy = uniqueTag('edit-budget');
    await h.gov.definePolicy(policy, { budgets: { '/': { maxCost: 3 } } }, { actorId: 'admin' });
    const kase = await h.gov.createCase({ policy, actorId: proposer });
    if (!kase.ok) throw new Error(JSON.stringify(kase));
    const lane = await openTransfer('transfer', { caseId: kase.case.id });
    const before = await h.fingerprint();
    const result = await h.gov.approve(lane.laneId, approver, {
      input: { ...lane.input, cents: 9_000 },
    });
    expect(result).toMatchObject({ ok: false, error: 'edit_refused', reason: 'budget_exceeded' });
    expect(await h.fingerprint()).toBe(before);
  });

  it("the tool's rules: not editable at all, or not this field", async () => {
    const fixed = await openTransfer('fixed');
    const amountOnly = await openTransfer('transfer_amount');
    const before = await h.fingerprint();
    expect(
      await h.gov.approve(fixed.laneId, approver, { input: { ...fixed.input, cents: 100 } }),
    ).toMatchObject({ ok: false, error: 'edit_refused', reason: 'not_editable' });
    expect(
      await h.gov.approve(amountOnly.laneId, approver, {
        input: { ...amountOnly.input, account: 'elsewhere' },
      }),
    ).toMatchObject({ ok: false, error: 'edit_refused', reason: 'field_not_editable' });
    expect(await h.fingerprint()).toBe(before);
    // The field it allows is edited.
    const allowed = await h.gov.approve(amountOnly.laneId, approver, {
      input: { ...amountOnly.input, cents: 100 },
    });
    expect(allowed).toMatchObject({ ok: true, approval: { status: 'approved' } });
    // Run before the next test takes its fingerprint.
    await h.waitForLane(amountOnly.laneId, ['executed']);
  });
});

describe('edits that cannot be judged', () => {
  it('a lane opened before call digests cannot be edited: unsupported, nothing written', async () => {
    const lane = await openTransfer();
    await rewriteAsLegacy(h.sql, lane.proposalId, lane.laneId);
    const before = await h.fingerprint();
    expect(
      await h.gov.approve(lane.laneId, approver, { input: { ...lane.input, cents: 100 } }),
    ).toMatchObject({ ok: false, error: 'edit_refused', reason: 'unsupported' });
    expect(await h.fingerprint()).toBe(before);
  });

  it('an actor who may not approve learns nothing of the gates: missing_role first', async () => {
    const lane = await openTransfer();
    expect(
      await h.gov.approve(lane.laneId, 'outsider', { input: { ...lane.input, cents: 20_000 } }),
    ).toMatchObject({ ok: false, error: 'forbidden', reason: 'missing_role' });
  });
});

describe('an accepted edit', () => {
  it('runs the edited input exactly once; both hashes and the change are in the trail', async () => {
    const lane = await openTransfer();
    const edited = { ...lane.input, cents: 500 };
    const result = await h.gov.approve(lane.laneId, approver, { input: edited, note: 'less' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const diff = [{ path: '/cents', before: 900, after: 500 }];
    expect(result.approval.edit).toMatchObject({ input: edited, diff, by: approver });
    expect(result.approval.inputHash).toBe(result.approval.edit!.inputHash);

    await h.waitForLane(lane.laneId, ['executed']);
    const runs = await h.runsOf(lane.tag);
    expect(runs.map((r) => JSON.parse(r.note!))).toEqual([edited]);

    const proposal = await h.gov.getProposal(lane.proposalId);
    expect(proposal?.inputSnapshot).toEqual(lane.input);
    expect(proposal?.edit).toMatchObject({ input: edited, diff });
    const approved = (await h.gov.listEvents(lane.proposalId)).find((e) => e.type === 'approved');
    expect(approved?.payload).toMatchObject({
      inputHash: result.approval.edit!.inputHash,
      edit: { originalInputHash: result.approval.edit!.originalInputHash, diff },
    });
    expect(result.approval.edit!.originalInputHash).not.toBe(result.approval.edit!.inputHash);
    expect(await h.gov.verifyAuditTrail(lane.proposalId)).toMatchObject({ ok: true });
  });

  it('the proposer cannot edit their own lane: four-eyes, nothing judged or written', async () => {
    const lane = await openTransfer();
    const before = await h.fingerprint();
    expect(
      await h.gov.approve(lane.laneId, proposer, { input: { ...lane.input, cents: 100 } }),
    ).toMatchObject({ ok: false, error: 'forbidden', reason: 'four_eyes' });
    expect(await h.fingerprint()).toBe(before);
  });
});
