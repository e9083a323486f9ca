import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaneJobRequest } from '../../src/index.js';
import {
  counts,
  expectOk,
  laneEvents,
  laneRow,
  openRefundLane,
  sha256OfCanonical,
  startHarness,
} from './support/laneHarness.js';
import type { LaneHarness } from './support/laneHarness.js';

// Each accepted decision: one audit event, the snapshot, mirrored status and version + 1.
describe('lane decisions', () => {
  let h: LaneHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function inputHashOf(proposalId: string) {
    const proposal = await h.gov.getProposal(proposalId);
    return sha256OfCanonical(proposal!.inputSnapshot);
  }

  it('approve: one approved event, snapshot approved, version 2, tool never run', async () => {
    const { proposalId, laneId } = await openRefundLane(h.gov);
    const before = await counts(h.sql);

    const approval = expectOk(await h.gov.approve(laneId, 'bob', { note: 'looks right' }));

    expect(await counts(h.sql)).toEqual({ lanes: before.lanes, events: before.events + 1 });
    expect(approval).toMatchObject({
      id: laneId,
      status: 'approved',
      version: 2,
      decidedBy: 'bob',
      note: 'looks right',
      reason: null,
    });
    const row = await laneRow(h.sql, laneId);
    expect(row).toMatchObject({
      status: 'approved',
      version: 2,
      decided_by: 'bob',
      decision_note: 'looks right',
    });
    expect(row.snapshot.value).toBe('approved');
    expect(row.snapshot.context.decision).toMatchObject({ kind: 'approved', actorId: 'bob' });
    const events = await laneEvents(h.sql, laneId);
    expect(events.map((e) => [e.type, e.actor_id])).toEqual([
      ['approval_requested', 'alice'],
      ['approved', 'bob'],
    ]);
    const hash = await inputHashOf(proposalId);
    expect(approval.inputHash).toBe(hash);
    expect(events[1]!.payload).toMatchObject({ inputHash: hash, note: 'looks right' });
    expect(h.counter.runs).toBe(0);
    expect(await h.gov.verifyAuditTrail(proposalId)).toEqual({ ok: true, events: 3 });
  });

  it('approve enqueues the resume job once, after the decision is committed', async () => {
    const { laneId } = await openRefundLane(h.gov);
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
    const { laneId } = await openRefundLane(h.gov);
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
    const { proposalId, laneId } = await openRefundLane(h.gov);
    const before = await counts(h.sql);
    const jobsBefore = h.jobs.length;

    const approval = expectOk(await h.gov[method](laneId, 'bob', { reason: 'wrong amount' }));

    expect(await counts(h.sql)).toEqual({ lanes: before.lanes, events: before.events + 1 });
    expect(approval).toMatchObject({
      status,
      version: 2,
      decidedBy: 'bob',
      reason: 'wrong amount',
    });
    const row = await laneRow(h.sql, laneId);
    expect(row).toMatchObject({ status, version: 2, decision_reason: 'wrong amount' });
    expect(row.snapshot.value).toBe(status);
    const events = await laneEvents(h.sql, laneId);
    expect(events.map((e) => e.type)).toEqual(['approval_requested', status]);
    const hash = await inputHashOf(proposalId);
    expect(events[1]!.payload).toMatchObject({ reason: 'wrong amount', inputHash: hash });
    expect(approval.inputHash).toBe(hash);
    expect(h.jobs).toHaveLength(jobsBefore);
    expect(await h.gov.verifyAuditTrail(proposalId)).toEqual({ ok: true, events: 3 });
  });

  it('expire: one expired event by system (or the given actor), version 2', async () => {
    const { proposalId, laneId } = await openRefundLane(h.gov);
    const other = await openRefundLane(h.gov);
    const before = await counts(h.sql);

    const bySystem = expectOk(await h.gov.expire(laneId));
    const byAdmin = expectOk(await h.gov.expire(other.laneId, { actorId: 'admin' }));

    expect(await counts(h.sql)).toEqual({ lanes: before.lanes, events: before.events + 2 });
    expect(bySystem).toMatchObject({ status: 'expired', version: 2, decidedBy: 'system' });
    expect(byAdmin).toMatchObject({ status: 'expired', version: 2, decidedBy: 'admin' });
    const row = await laneRow(h.sql, laneId);
    expect(row).toMatchObject({ status: 'expired', version: 2, decided_by: 'system' });
    expect(row.snapshot.value).toBe('expired');
    const events = await laneEvents(h.sql, laneId);
    expect(events.map((e) => [e.type, e.actor_id])).toEqual([
      ['approval_requested', 'alice'],
      ['expired', 'system'],
    ]);
    expect(events[1]!.payload).toMatchObject({ inputHash: await inputHashOf(proposalId) });
    expect(await h.gov.verifyAuditTrail(proposalId)).toEqual({ ok: true, events: 3 });
  });

  it('records the decision through the generic send() the same way', async () => {
    const { laneId } = await openRefundLane(h.gov);
    const approval = expectOk(
      await h.gov.send(laneId, { type: 'REJECT', actorId: 'carol', reason: 'duplicate' }),
    );
    expect(approval).toMatchObject({ status: 'rejected', version: 2, reason: 'duplicate' });
    expect((await laneEvents(h.sql, laneId)).map((e) => e.type)).toEqual([
      'approval_requested',
      'rejected',
    ]);
  });

  it('keeps a committed approval when the enqueue fails, reporting it on a channel', async () => {
    const { laneId } = await openRefundLane(h.gov);
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
    expect(await laneRow(h.sql, laneId)).toMatchObject({ status: 'approved', version: 2 });
    expect(failures).toEqual([
      expect.objectContaining({ name: 'countersign:approval-resume', laneId }),
    ]);
  });
});
