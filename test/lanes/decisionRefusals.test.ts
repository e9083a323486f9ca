import { describe, expect, it } from 'vitest';
import type { LaneResult } from '../../src/index.js';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// A refused decision writes nothing: same rows, same version, same events, chain intact.
describe('refused decisions', () => {
  const h = useLaneHarness();

  async function refusedWithoutWrite(
    laneId: string,
    proposalId: string,
    decide: () => Promise<LaneResult>,
  ): Promise<Extract<LaneResult, { ok: false }>> {
    const before = await h.fingerprint();
    const versionBefore = (await h.laneRow(laneId)).version;
    const jobsBefore = h.jobs.length;
    const result = await decide();
    if (result.ok) throw new Error(`expected a refusal, got ${result.approval.status}`);
    expect(await h.fingerprint()).toBe(before);
    expect((await h.laneRow(laneId)).version).toBe(versionBefore);
    expect(h.jobs).toHaveLength(jobsBefore);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
    return result;
  }

  it.each(['reject', 'defer'] as const)(
    '%s without a reason is invalid_event with issues',
    async (method) => {
      const { proposalId, laneId } = await h.openRefundLane();
      for (const options of [{}, { reason: '' }, { reason: '   ' }]) {
        const result = await refusedWithoutWrite(laneId, proposalId, () =>
          // The type demands a reason; hosts calling from JavaScript may still omit it.
          h.gov[method](laneId, 'bob', options as { reason: string }),
        );
        expect(result.error).toBe('invalid_event');
        expect(result.issues?.length).toBeGreaterThan(0);
      }
      expect((await h.laneRow(laneId)).status).toBe('pending');
    },
  );

  it('a decision on a lane that is no longer pending is not_pending', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    expectOk(await h.gov.reject(laneId, 'bob', { reason: 'no' }));
    const attempts = [
      () => h.gov.approve(laneId, 'carol'),
      () => h.gov.reject(laneId, 'carol', { reason: 'again' }),
      () => h.gov.defer(laneId, 'carol', { reason: 'later' }),
      () => h.gov.expire(laneId, { actorId: 'admin' }),
    ];
    for (const attempt of attempts) {
      const result = await refusedWithoutWrite(laneId, proposalId, attempt);
      expect(result.error).toBe('not_pending');
    }
    expect(await h.laneRow(laneId)).toMatchObject({ status: 'rejected', version: 2 });
  });

  it('an approved lane refuses a second approval and a rejection with not_pending', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    expectOk(await h.gov.approve(laneId, 'bob'));
    for (const attempt of [
      () => h.gov.approve(laneId, 'carol'),
      () => h.gov.reject(laneId, 'carol', { reason: 'changed my mind' }),
    ]) {
      expect((await refusedWithoutWrite(laneId, proposalId, attempt)).error).toBe('not_pending');
    }
  });

  it('four-eyes: the proposer cannot approve their own proposal', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    const result = await refusedWithoutWrite(laneId, proposalId, () =>
      h.gov.approve(laneId, 'alice'),
    );
    expect(result).toMatchObject({ error: 'forbidden', reason: 'four_eyes' });
    // Padding does not make the proposer someone else.
    const padded = await refusedWithoutWrite(laneId, proposalId, () =>
      h.gov.send(laneId, { type: 'APPROVE', actorId: '  alice ' }),
    );
    expect(padded).toMatchObject({ error: 'forbidden', reason: 'four_eyes' });
    expect((await h.laneRow(laneId)).status).toBe('pending');
  });

  it('an approver without the role the risk tier requires is forbidden (missing_role)', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    for (const attempt of [
      () => h.gov.approve(laneId, 'dave'),
      () => h.gov.reject(laneId, 'dave', { reason: 'not mine to say' }),
      () => h.gov.defer(laneId, 'dave', { reason: 'not mine to say' }),
    ]) {
      const result = await refusedWithoutWrite(laneId, proposalId, attempt);
      expect(result).toMatchObject({ error: 'forbidden', reason: 'missing_role' });
    }
    // The role holder can still decide: the refusals were about dave, not the lane.
    expect(expectOk(await h.gov.approve(laneId, 'bob')).status).toBe('approved');
  });

  it('an actor resolveActor does not know is forbidden (unknown_actor)', async () => {
    const { proposalId, laneId } = await h.openRefundLane();
    for (const attempt of [
      () => h.gov.approve(laneId, 'mallory'),
      () => h.gov.reject(laneId, 'mallory', { reason: 'spam' }),
      () => h.gov.send(laneId, { type: 'DEFER', actorId: 'mallory', reason: 'later' }),
    ]) {
      const result = await refusedWithoutWrite(laneId, proposalId, attempt);
      expect(result).toMatchObject({ error: 'forbidden', reason: 'unknown_actor' });
    }
  });

  it('a decision on an unknown lane is not_found', async () => {
    const before = await h.fingerprint();
    for (const id of ['0b6c9b4e-3f1a-4f55-8d0e-7f3b6a1d2c99', 'nope']) {
      expect(await h.gov.approve(id, 'bob')).toMatchObject({ ok: false, error: 'not_found' });
      expect(await h.gov.expire(id, { actorId: 'admin' })).toMatchObject({
        ok: false,
        error: 'not_found',
      });
    }
    expect(await h.fingerprint()).toBe(before);
  });
});
