import { describe, expect, it } from 'vitest';
import { expectOk } from './support/lifecycle.js';
import { uniqueTag, useWorkerSuite } from './support/workerHarness.js';

describe('auto tools through the workers', () => {
  const h = useWorkerSuite();

  it('executeProposal opens a lane approved by system:auto that the workers run once', async () => {
    const tag = uniqueTag('auto');
    const proposalId = await h.proposeTagged('ping', tag);

    const opened = expectOk(await h.gov.executeProposal(proposalId));

    expect(opened).toMatchObject({ status: 'approved', decidedBy: 'system:auto', expiresAt: null });
    const lane = await h.waitForLane(opened.id);
    expect(lane.status).toBe('executed');
    expect(lane.result).toEqual({ pong: tag });
    const runs = await h.runsOf(tag);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.idem_key).toContain(opened.id);
    expect(await h.laneEventTypes(opened.id)).toEqual([
      'approved',
      'execution_enqueued',
      'execution_started',
      'executed',
    ]);
    const approvedEvent = (await h.gov.listEvents(proposalId)).find((e) => e.type === 'approved');
    expect(approvedEvent?.actorId).toBe('system:auto');
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 5 });
  });

  it('requestApproval on an auto proposal is not_requires_approval and opens nothing', async () => {
    const proposalId = await h.proposeTagged('ping', uniqueTag('auto-request'));

    expect(await h.gov.requestApproval(proposalId)).toMatchObject({
      ok: false,
      error: 'not_requires_approval',
    });
    expect(await h.gov.getLatestApproval(proposalId)).toBeNull();
  });

  it('executeProposal on a requires_approval proposal is not_auto and runs nothing', async () => {
    const tag = uniqueTag('manual');
    const proposalId = await h.proposeTagged('ship', tag);

    expect(await h.gov.executeProposal(proposalId)).toMatchObject({ ok: false, error: 'not_auto' });
    expect(await h.gov.getLatestApproval(proposalId)).toBeNull();
    expect(await h.runsOf(tag)).toEqual([]);
  });
});
