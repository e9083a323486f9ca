import { describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// executeApproved hands an approved lane to the execution worker; it never runs the tool.
describe('executeApproved', () => {
  const h = useLaneHarness();

  it('moves an approved lane to execution_pending (queued) and enqueues the execution', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    expectOk(await h.gov.approve(laneId, 'bob'));
    const before = await h.counts();
    const jobs: unknown[] = [];

    const approval = expectOk(
      await h.gov.executeApproved(laneId, {
        enqueue: async (job) => {
          const visible = await h.sql.query(
            'select status, execution_state from tool_approvals where id = ?',
            [job.laneId],
          );
          jobs.push({ ...job, visible });
        },
      }),
    );

    expect(approval).toMatchObject({
      status: 'execution_pending',
      executionState: 'queued',
      version: 3,
      decidedBy: 'bob',
    });
    expect(jobs).toEqual([
      {
        name: 'countersign:tool-execution',
        laneId,
        runAt: null,
        visible: [{ status: 'execution_pending', execution_state: 'queued' }],
      },
    ]);
    expect(await h.counts()).toEqual({ lanes: before.lanes, events: before.events + 1 });
    expect(await h.laneRow(laneId)).toMatchObject({
      status: 'execution_pending',
      execution_state: 'queued',
      version: 3,
    });
    expect((await h.laneEvents(laneId)).map((e) => e.type)).toEqual([
      'approval_requested',
      'approved',
      'execution_enqueued',
    ]);
    expect(h.counter.runs).toBe(0);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 4 });
  });

  it('re-enqueues a lane already queued without writing anything', async () => {
    const { laneId } = await h.openRefundLane();
    expectOk(await h.gov.approve(laneId, 'bob'));
    expectOk(await h.gov.executeApproved(laneId));
    const before = await h.fingerprint();

    const again = expectOk(await h.gov.executeApproved(laneId));

    expect(again).toMatchObject({ status: 'execution_pending', version: 3 });
    expect(await h.fingerprint()).toBe(before);
    expect(
      h.jobs.filter((j) => j.laneId === laneId && j.name === 'countersign:tool-execution'),
    ).toHaveLength(2);
    expect(h.counter.runs).toBe(0);
  });

  it('answers not_approved for a pending lane and writes nothing', async () => {
    const { laneId } = await h.openRefundLane();
    const before = await h.fingerprint();
    const jobsBefore = h.jobs.length;
    expect(await h.gov.executeApproved(laneId)).toMatchObject({ ok: false, error: 'not_approved' });
    expect(await h.fingerprint()).toBe(before);
    expect(h.jobs).toHaveLength(jobsBefore);
  });

  it('answers not_approved for a rejected lane and not_found for an unknown one', async () => {
    const { laneId } = await h.openRefundLane();
    expectOk(await h.gov.reject(laneId, 'bob', { reason: 'no' }));
    const before = await h.fingerprint();
    expect(await h.gov.executeApproved(laneId)).toMatchObject({ ok: false, error: 'not_approved' });
    expect(await h.gov.executeApproved('6a0e1f7c-5b44-4c1e-9d3f-2a1b0c9d8e7f')).toMatchObject({
      ok: false,
      error: 'not_found',
    });
    expect(await h.fingerprint()).toBe(before);
  });

  // Sequentially, a repeated executeApproved on a queued lane is ok (it re-enqueues); a
  // repeat that races the first must get the same answer, not not_approved.
  it('moves a lane to execution once when called concurrently, answering each call ok', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    expectOk(await h.gov.approve(laneId, 'bob'));

    const results = await Promise.all(
      Array.from({ length: 6 }, () => h.gov.executeApproved(laneId)),
    );

    const enqueued = (await h.laneEvents(laneId)).filter((e) => e.type === 'execution_enqueued');
    expect(enqueued).toHaveLength(1);
    expect(await h.laneRow(laneId)).toMatchObject({ status: 'execution_pending', version: 3 });
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 4 });
    expect(h.counter.runs).toBe(0);
    expect(results.map((r) => (r.ok ? r.approval.status : r.error))).toEqual(
      Array.from({ length: 6 }, () => 'execution_pending'),
    );
  });
});
