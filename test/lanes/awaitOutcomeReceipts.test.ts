import { describe, expect, it } from 'vitest';
import { openPolicyCase, proposeInCase } from '../cases/support/caseWorkers.js';
import { expectOk } from '../workers/support/lifecycle.js';
import { uniqueTag, useWorkerSuite } from '../workers/support/workerHarness.js';

// The receipts of an outcome are the case's receipts for the call, on every lane it had: an
// escalation ends one lane (with a receipt) and opens the next, which is the one that settles.
const h = useWorkerSuite();

describe('awaitOutcome of a call whose lane escalated', () => {
  it('includes the escalated lane’s receipt beside the last lane’s', async () => {
    const policy = 'escalates-once';
    const caseId = await openPolicyCase(h.gov, policy, {
      timeouts: {
        approvalTtlSeconds: 1,
        onApprovalTimeout: 'escalate',
        escalation: {
          approverRole: 'supervisor',
          ttlSeconds: 1,
          maxDepth: 1,
          finalAction: 'cancel',
        },
      },
    });
    const proposalId = await proposeInCase(h.gov, caseId, 'ship', { tag: uniqueTag(policy) });
    const first = expectOk(await h.gov.requestApproval(proposalId));

    const outcome = await h.gov.awaitOutcome(proposalId);
    if (!outcome.settled) throw new Error(`expected a settled outcome, got ${outcome.reason}`);
    expect(outcome.status).toBe('expired');
    expect(outcome.approval?.id).not.toBe(first.id);
    const receipts = await h.gov.listReceipts(caseId);
    expect(receipts.map((r) => [r.errorType, r.taskId])).toEqual([
      ['escalated', first.id],
      ['cancelled', outcome.approval?.id],
    ]);
    expect(outcome.receipts).toEqual(receipts);
  });
});
