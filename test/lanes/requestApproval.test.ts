import { describe, expect, it } from 'vitest';
import { expectOk, sha256OfCanonical, useLaneHarness } from './support/laneHarness.js';

// What opening a lane writes and enqueues, and which proposals cannot have one.
describe('requestApproval', () => {
  const h = useLaneHarness();

  async function refusedWithoutWrite(proposalId: string, error: string) {
    const before = await h.fingerprint();
    const jobsBefore = h.jobs.length;
    const result = await h.gov.requestApproval(proposalId);
    expect(result).toMatchObject({ ok: false, error });
    expect(await h.fingerprint()).toBe(before);
    expect(h.jobs).toHaveLength(jobsBefore);
  }

  it('refuses an auto proposal with not_requires_approval and writes nothing', async () => {
    const proposed = await h.gov.propose('ping', 'alice', { input: { host: 'db-1' } });
    expect(proposed.ok).toBe(true);
    await refusedWithoutWrite(proposed.proposal!.id, 'not_requires_approval');
  });

  it('refuses an always_block proposal with not_requires_approval and writes nothing', async () => {
    const proposed = await h.gov.propose('wipe', 'alice', { input: { table: 'orders' } });
    expect(proposed.proposal).not.toBeNull();
    await refusedWithoutWrite(proposed.proposal!.id, 'not_requires_approval');
  });

  it('refuses a blocked proposal with proposal_blocked and writes nothing', async () => {
    const proposed = await h.gov.propose('refund', 'alice', {
      input: { orderId: 'o-blocked', cents: 'lots' },
      scopes: ['payments:write'],
    });
    expect(proposed).toMatchObject({ ok: false, outcome: 'needs_input' });
    await refusedWithoutWrite(proposed.proposal!.id, 'proposal_blocked');
  });

  it('answers not_found for an unknown proposal id and for a non-uuid, writing nothing', async () => {
    await refusedWithoutWrite('6f1c1c3e-2d43-4b8e-9a51-0d4f3c2b1a00', 'not_found');
    await refusedWithoutWrite('not-a-uuid', 'not_found');
    await refusedWithoutWrite("'; drop table tool_approvals; --", 'not_found');
  });

  it('opens one pending lane at version 1 with one approval_requested event', async () => {
    const proposalId = await h.proposeRefund();
    const proposal = await h.gov.getProposal(proposalId);
    const before = await h.counts();

    const approval = expectOk(await h.gov.requestApproval(proposalId));

    expect(await h.counts()).toEqual({ lanes: before.lanes + 1, events: before.events + 1 });
    expect(approval).toMatchObject({ proposalId, status: 'pending', version: 1 });
    expect(approval.inputHash).toBe(sha256OfCanonical(proposal!.inputSnapshot));
    const row = await h.laneRow(approval.id);
    expect(row).toMatchObject({ status: 'pending', version: 1, execution_state: null });
    expect(row.snapshot.value).toBe('pending');
    expect(row.input_hash).toBe(approval.inputHash);
    const events = await h.laneEvents(approval.id);
    expect(events.map((e) => [e.type, e.actor_id, e.seq])).toEqual([
      ['approval_requested', 'alice', 2],
    ]);
    expect(events[0]!.payload).toMatchObject({ inputHash: approval.inputHash });
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 2 });
  });

  it('records who opened the lane when actorId is given', async () => {
    const proposalId = await h.proposeRefund();
    const approval = expectOk(await h.gov.requestApproval(proposalId, { actorId: 'ops-bot' }));
    const events = await h.laneEvents(approval.id);
    expect(events.map((e) => e.actor_id)).toEqual(['ops-bot']);
  });

  it('enqueues the expiry job once, at expires_at, only after the lane is committed', async () => {
    const proposalId = await h.proposeRefund();
    const seen: { name: string; laneId: string; runAt: Date | null; visible: unknown[] }[] = [];
    const approval = expectOk(
      await h.gov.requestApproval(proposalId, {
        enqueue: async (job) => {
          // Another connection: sees the lane only if its write has committed.
          const visible = await h.sql.query(
            'select status, version from tool_approvals where id = ?',
            [job.laneId],
          );
          seen.push({ ...job, visible });
        },
      }),
    );

    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ name: 'countersign:approval-expiry', laneId: approval.id });
    expect(seen[0]!.visible).toEqual([{ status: 'pending', version: 1 }]);
    const row = await h.laneRow(approval.id);
    expect(seen[0]!.runAt).toBeInstanceOf(Date);
    expect(seen[0]!.runAt!.getTime()).toBe(row.expires_at_ms);
    expect(approval.expiresAt!.getTime()).toBe(row.expires_at_ms);
  });

  it('hands the expiry job to the governance enqueue when no per-call enqueue is given', async () => {
    const proposalId = await h.proposeRefund();
    const approval = expectOk(await h.gov.requestApproval(proposalId));
    expect(h.jobs.filter((j) => j.laneId === approval.id)).toEqual([
      { name: 'countersign:approval-expiry', laneId: approval.id, runAt: approval.expiresAt },
    ]);
  });

  it('refuses a second lane while one is pending, writing nothing', async () => {
    const proposalId = await h.proposeRefund();
    expectOk(await h.gov.requestApproval(proposalId));
    await refusedWithoutWrite(proposalId, 'conflict');
  });

  it('refuses a new lane while the last one is approved or executing, but not after a rejection', async () => {
    const proposalId = await h.proposeRefund();
    const first = expectOk(await h.gov.requestApproval(proposalId));
    expectOk(await h.gov.approve(first.id, 'bob'));
    await refusedWithoutWrite(proposalId, 'conflict');
    expectOk(await h.gov.executeApproved(first.id));
    await refusedWithoutWrite(proposalId, 'conflict');

    const other = await h.proposeRefund();
    const rejected = expectOk(await h.gov.requestApproval(other));
    expectOk(await h.gov.reject(rejected.id, 'bob', { reason: 'try again' }));
    expect(expectOk(await h.gov.requestApproval(other)).status).toBe('pending');
  });

  it('refuses malformed options with invalid_event and issues, writing nothing', async () => {
    const proposalId = await h.proposeRefund();
    const before = await h.fingerprint();
    for (const ttlSeconds of [0, -5, 1.5, Number.NaN]) {
      const result = await h.gov.requestApproval(proposalId, { ttlSeconds });
      expect(result).toMatchObject({ ok: false, error: 'invalid_event' });
      expect(result.ok === false && result.issues?.length).toBeGreaterThan(0);
    }
    expect(await h.fingerprint()).toBe(before);
  });

  it('refuses an actorId the database cannot store (a NUL) with invalid_event, not a DatabaseError', async () => {
    const proposalId = await h.proposeRefund();
    const before = await h.fingerprint();
    for (const actorId of ['bo\0b', 'lone \uD800 surrogate']) {
      const result = await h.gov.requestApproval(proposalId, { actorId });
      expect(result).toMatchObject({ ok: false, error: 'invalid_event' });
    }
    expect(await h.fingerprint()).toBe(before);
  });
});
