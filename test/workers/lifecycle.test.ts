import { describe, expect, it } from 'vitest';
import { expectOk } from './support/lifecycle.js';
import { approver } from './support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite, waitFor } from './support/workerHarness.js';

// The whole lifecycle on a real PostgreSQL server, driven only by the Agenda workers.
describe('workers on PostgreSQL: the lifecycle end to end', () => {
  const h = useWorkerSuite({ jobClient: true });

  /** Waits until a stored job has run to success (Agenda removes it then), failing if it failed. */
  async function waitForJobDone(id: string) {
    const row = await waitFor(
      `job ${id} to finish`,
      () => h.jobRow(id),
      (r) => r === null || r.failed_at !== null,
    );
    expect(row, `job ${id} failed: ${row?.fail_reason}`).toBeNull();
  }

  it('propose → request → approve → executed: the side effect once, the result stored, the audit chain whole', async () => {
    const tag = uniqueTag('e2e');
    const { proposalId, laneId } = await h.approvedLane('ship', tag);

    const lane = await h.waitForLane(laneId);

    expect(lane.status).toBe('executed');
    const runs = await h.runsOf(tag);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ idem_key: expect.stringContaining(laneId), attempt: 1 });
    const approval = await h.gov.getLatestApproval(proposalId);
    expect(approval).toMatchObject({
      id: laneId,
      status: 'executed',
      decidedBy: approver,
      attempt: 1,
      failure: null,
      result: { shipped: tag, attempt: 1 },
    });
    expect((await h.gov.listEvents(proposalId)).map((e) => e.type)).toEqual([
      'proposal_created',
      'approval_requested',
      'approved',
      'execution_enqueued',
      'execution_started',
      'executed',
    ]);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 6 });
  });

  it('a rejected, a deferred and an expired lane never run, even with stray resume and execution jobs', async () => {
    const tags = {
      rejected: uniqueTag('rejected'),
      deferred: uniqueTag('deferred'),
      expired: uniqueTag('expired'),
    };
    const rejected = await h.openLane('ship', tags.rejected);
    const deferred = await h.openLane('ship', tags.deferred);
    const expired = await h.openLane('ship', tags.expired);
    expectOk(await h.gov.reject(rejected.laneId, approver, { reason: 'wrong order' }));
    expectOk(await h.gov.defer(deferred.laneId, approver, { reason: 'ask the customer' }));
    expectOk(await h.gov.expire(expired.laneId, { actorId: approver }));
    const closed = [
      { ...rejected, tag: tags.rejected, status: 'rejected' },
      { ...deferred, tag: tags.deferred, status: 'deferred' },
      { ...expired, tag: tags.expired, status: 'expired' },
    ];
    const before = await Promise.all(closed.map((l) => h.laneState(l.laneId)));

    // A duplicated or hand-written job for a closed lane must find it past that step.
    const stray: string[] = [];
    for (const { laneId } of closed) {
      stray.push(await h.jobs.now('countersign:approval-resume', { laneId }));
      stray.push(await h.jobs.now('countersign:tool-execution', { laneId }));
    }
    for (const id of stray) await waitForJobDone(id);
    // Barrier: a lane approved after them has gone all the way through the same workers.
    const later = await h.approvedLane('ship', uniqueTag('barrier'));
    expect((await h.waitForLane(later.laneId)).status).toBe('executed');

    for (const [i, lane] of closed.entries()) {
      expect(await h.runsOf(lane.tag), lane.status).toEqual([]);
      const now = await h.laneState(lane.laneId);
      expect(now.status).toBe(lane.status);
      expect(now.version).toBe(before[i]!.version);
      expect(await h.gov.approve(lane.laneId, approver)).toMatchObject({
        ok: false,
        error: 'not_pending',
      });
    }
  });

  // How soon after its deadline the sweep lands is a figure `npm run bench` prints (expiry
  // lag); here only that it lands, at or after the deadline, as `system`.
  it('a lane with a 2 s TTL is expired by the sweep, at or after its deadline', async () => {
    const tag = uniqueTag('ttl');
    const { proposalId, laneId } = await h.openLane('ship', tag, { ttlSeconds: 2 });

    const lane = await h.waitForLane(laneId, ['expired'], 15_000);

    expect(lane.expires_at_ms).not.toBeNull();
    expect(lane.updated_at_ms).toBeGreaterThanOrEqual(lane.expires_at_ms!);
    expect(lane.decided_by).toBe('system');
    expect(await h.laneEventTypes(laneId)).toEqual(['approval_requested', 'expired']);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
    expect(await h.runsOf(tag)).toEqual([]);
  });

  it('an approval that lands first makes the expiry job at the deadline a no-op', async () => {
    const tag = uniqueTag('race');
    const { proposalId, laneId } = await h.openLane('ship', tag, { ttlSeconds: 2 });
    const { expires_at_ms } = await h.laneState(laneId);
    // The expiry job a host's own enqueue would store, due at the lane's deadline.
    const expiryJob = await h.jobs.at(new Date(expires_at_ms!), 'countersign:approval-expiry', {
      laneId,
    });
    expectOk(await h.gov.approve(laneId, approver));
    const executed = await h.waitForLane(laneId);
    expect(executed.status).toBe('executed');
    const events = await h.laneEventTypes(laneId);

    await waitForJobDone(expiryJob);

    expect(Date.now()).toBeGreaterThanOrEqual(expires_at_ms!);
    const after = await h.laneState(laneId);
    expect(after).toMatchObject({ status: 'executed', version: executed.version });
    expect(await h.laneEventTypes(laneId)).toEqual(events);
    expect(await h.runsOf(tag)).toHaveLength(1);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
  });
});
