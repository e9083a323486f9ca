import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import type { LaneJobRequest } from '../../src/index.js';
import { expectOk, sha256OfCanonical, useLaneHarness } from './support/laneHarness.js';

// Each accepted decision: one audit event, the snapshot, mirrored status and version + 1.
describe('lane decisions', () => {
  const h = useLaneHarness();

  async function inputHashOf(proposalId: string) {
    const proposal = await h.gov.getProposal(proposalId);
    return sha256OfCanonical(proposal!.inputSnapshot);
  }

  it('approve: one approved event, snapshot approved, version 2, tool never run', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    const before = await h.counts();

    const approval = expectOk(await h.gov.approve(laneId, 'bob', { note: 'looks right' }));

    expect(await h.counts()).toEqual({ lanes: before.lanes, events: before.events + 1 });
    expect(approval).toMatchObject({
      id: laneId,
      status: 'approved',
      version: 2,
      decidedBy: 'bob',
      note: 'looks right',
      reason: null,
    });
    const row = await h.laneRow(laneId);
    expect(row).toMatchObject({
      status: 'approved',
      version: 2,
      decided_by: 'bob',
      decision_note: 'looks right',
    });
    expect(row.snapshot.value).toBe('approved');
    expect(row.snapshot.context.decision).toMatchObject({ kind: 'approved', actorId: 'bob' });
    const events = await h.laneEvents(laneId);
    expect(events.map((e) => [e.type, e.actor_id])).toEqual([
      ['approval_requested', 'alice'],
      ['approved', 'bob'],
    ]);
    const hash = await inputHashOf(proposalId);
    expect(approval.inputHash).toBe(hash);
    expect(events[1]!.payload).toMatchObject({ inputHash: hash, note: 'looks right' });
    expect(h.counter.runs).toBe(0);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 3 });
  });

  it('approve enqueues the resume job once, after the decision is committed', async () => {
    const { laneId } = await h.openRefundLane();
    const seen: { job: LaneJobRequest; visible: unknown[] }[] = [];
    expectOk(
      await h.gov.approve(laneId, 'carol', {
        enqueue: async (job) => {
          const visible = await h.sql.query(
            'select status, version from tool_approvals where id = ?',
            [job.laneId],
          );
          seen.push({ job, visible });
        },
      }),
    );
    expect(seen).toEqual([
      {
        job: { name: 'countersign:approval-resume', laneId, runAt: null },
        visible: [{ status: 'approved', version: 2 }],
      },
    ]);
    expect(h.counter.runs).toBe(0);
  });

  it('approve uses the governance enqueue by default', async () => {
    const { laneId } = await h.openRefundLane();
    expectOk(await h.gov.approve(laneId, 'bob'));
    expect(h.jobs.filter((j) => j.laneId === laneId).map((j) => j.name)).toEqual([
      'countersign:approval-expiry',
      'countersign:approval-resume',
    ]);
  });

  it.each([
    ['reject', 'rejected'],
    ['defer', 'deferred'],
  ] as const)('%s: one %s event with the reason, version 2, no job', async (method, status) => {
    const { proposalId, laneId } = await h.openRefundLane();
    const before = await h.counts();
    const jobsBefore = h.jobs.length;

    const approval = expectOk(await h.gov[method](laneId, 'bob', { reason: 'wrong amount' }));

    expect(await h.counts()).toEqual({ lanes: before.lanes, events: before.events + 1 });
    expect(approval).toMatchObject({
      status,
      version: 2,
      decidedBy: 'bob',
      reason: 'wrong amount',
    });
    const row = await h.laneRow(laneId);
    expect(row).toMatchObject({ status, version: 2, decision_reason: 'wrong amount' });
    expect(row.snapshot.value).toBe(status);
    const events = await h.laneEvents(laneId);
    expect(events.map((e) => e.type)).toEqual(['approval_requested', status]);
    const hash = await inputHashOf(proposalId);
    expect(events[1]!.payload).toMatchObject({ reason: 'wrong amount', inputHash: hash });
    expect(approval.inputHash).toBe(hash);
    expect(h.jobs).toHaveLength(jobsBefore);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 3 });
  });

  it('expire: one expired event by the actor holding expireRole, version 2', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    const before = await h.counts();

    const byAdmin = expectOk(await h.gov.expire(laneId, { actorId: 'admin' }));

    expect(await h.counts()).toEqual({ lanes: before.lanes, events: before.events + 1 });
    expect(byAdmin).toMatchObject({ status: 'expired', version: 2, decidedBy: 'admin' });
    const row = await h.laneRow(laneId);
    expect(row).toMatchObject({ status: 'expired', version: 2, decided_by: 'admin' });
    expect(row.snapshot.value).toBe('expired');
    const events = await h.laneEvents(laneId);
    expect(events.map((e) => [e.type, e.actor_id])).toEqual([
      ['approval_requested', 'alice'],
      ['expired', 'admin'],
    ]);
    expect(events[1]!.payload).toMatchObject({ inputHash: await inputHashOf(proposalId) });
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 3 });
  });

  it('records the decision through the generic send() the same way', async () => {
    const { laneId } = await h.openRefundLane();
    const approval = expectOk(
      await h.gov.send(laneId, { type: 'REJECT', actorId: 'carol', reason: 'duplicate' }),
    );
    expect(approval).toMatchObject({ status: 'rejected', version: 2, reason: 'duplicate' });
    expect((await h.laneEvents(laneId)).map((e) => e.type)).toEqual([
      'approval_requested',
      'rejected',
    ]);
  });

  it('keeps a committed approval when the enqueue fails, reporting it on a channel', async () => {
    const { laneId } = await h.openRefundLane();
    const failures: unknown[] = [];
    const listener = (message: unknown) => failures.push(message);
    subscribe('countersign:enqueue_failed', listener);
    try {
      const result = await h.gov.approve(laneId, 'bob', {
        enqueue: () => {
          throw new Error('queue down');
        },
      });
      expect(result).toMatchObject({ ok: true, approval: { status: 'approved', version: 2 } });
    } finally {
      unsubscribe('countersign:enqueue_failed', listener);
    }
    expect(await h.laneRow(laneId)).toMatchObject({ status: 'approved', version: 2 });
    expect(failures).toEqual([
      expect.objectContaining({ name: 'countersign:approval-resume', laneId }),
    ]);
  });
});
