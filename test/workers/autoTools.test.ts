import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Governance } from '../../src/index.js';
import { expectOk, proposeTagged } from './support/lifecycle.js';
import {
  laneEventTypes,
  runsOf,
  startWorkerSuite,
  uniqueTag,
  waitForLane,
} from './support/workerHarness.js';
import type { Sql, WorkerSuite } from './support/workerHarness.js';

describe('auto tools through the workers', () => {
  let suite: WorkerSuite;
  let sql: Sql;
  let gov: Governance;

  beforeAll(async () => {
    suite = await startWorkerSuite();
    ({ sql, gov } = suite);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('executeProposal opens a lane approved by system:auto that the workers run once', async () => {
    const tag = uniqueTag('auto');
    const proposalId = await proposeTagged(gov, 'ping', tag);

    const opened = expectOk(await gov.executeProposal(proposalId));

    expect(opened).toMatchObject({ status: 'approved', decidedBy: 'system:auto', expiresAt: null });
    const lane = await waitForLane(sql, opened.id);
    expect(lane.status).toBe('executed');
    expect(lane.result).toEqual({ pong: tag });
    const runs = await runsOf(sql, tag);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.idem_key).toContain(opened.id);
    expect(await laneEventTypes(sql, opened.id)).toEqual([
      'approved',
      'execution_enqueued',
      'execution_started',
      'executed',
    ]);
    const approvedEvent = (await gov.listEvents(proposalId)).find((e) => e.type === 'approved');
    expect(approvedEvent?.actorId).toBe('system:auto');
    expect(await gov.verifyAuditTrail(proposalId)).toEqual({ ok: true, events: 5 });
  });

  it('requestApproval on an auto proposal is not_requires_approval and opens nothing', async () => {
    const proposalId = await proposeTagged(gov, 'ping', uniqueTag('auto-request'));

    expect(await gov.requestApproval(proposalId)).toMatchObject({
      ok: false,
      error: 'not_requires_approval',
    });
    expect(await gov.getLatestApproval(proposalId)).toBeNull();
  });

  it('executeProposal on a requires_approval proposal is not_auto and runs nothing', async () => {
    const tag = uniqueTag('manual');
    const proposalId = await proposeTagged(gov, 'ship', tag);

    expect(await gov.executeProposal(proposalId)).toMatchObject({ ok: false, error: 'not_auto' });
    expect(await gov.getLatestApproval(proposalId)).toBeNull();
    expect(await runsOf(sql, tag)).toEqual([]);
  });
});
