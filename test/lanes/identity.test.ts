import { describe, expect, it } from 'vitest';
import { createGovernance, isConfigurationError, isInvalidRequestError } from '../../src/index.js';
import type { ActorIdentity } from '../../src/index.js';
import { expectOk, useLaneHarness } from './support/laneHarness.js';
import { laneTools, resolveActor } from './support/laneTools.js';

// A directory that knows Dana under any spelling: case, Unicode form or an invisible
// character make no other person. Everyone else is as the suite's usual directory says.
function normalisingDirectory(id: string): ActorIdentity | null {
  const key = id
    .normalize('NFKC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .toLowerCase();
  if (key === 'dana')
    return { actorId: 'dana', scopes: ['payments:write'], roles: ['payments-approver'] };
  return resolveActor(id);
}

const refund = (orderId: string) => ({ input: { orderId, cents: 500 } });

describe('identities that cannot be borrowed', () => {
  const h = useLaneHarness({ resolveActor: normalisingDirectory });

  it('a declared scope the directory does not grant is scope_invalid; declared scopes only narrow', async () => {
    // dave holds no scopes; declaring one grants nothing.
    expect(
      await h.gov.validate('refund', 'dave', { ...refund('o-s1'), scopes: ['payments:write'] }),
    ).toMatchObject({ ok: false, outcome: 'scope_invalid' });
    // alice holds payments:write; declaring none narrows it away.
    expect(
      await h.gov.validate('refund', 'alice', { ...refund('o-s2'), scopes: [] }),
    ).toMatchObject({ ok: false, outcome: 'scope_invalid' });
    // Declaring nothing: the directory's scopes stand.
    expect(await h.gov.validate('refund', 'alice', refund('o-s3'))).toMatchObject({ ok: true });
    const stored = await h.gov.propose('refund', 'dave', {
      ...refund('o-s4'),
      scopes: ['payments:write'],
    });
    expect(stored).toMatchObject({ ok: false, outcome: 'scope_invalid' });
    expect(stored.proposal?.actorSnapshot.scopes).toEqual([]);
  });

  it.each(['dana', 'Dana', 'dana\u200b', 'DANA\u2060'])(
    'four-eyes compares canonical ids: %j cannot approve what Dana proposed',
    async (approver) => {
      const proposed = await h.gov.propose(
        'refund',
        'Dana',
        refund(`o-d-${approver.length}-${approver.charCodeAt(0)}`),
      );
      if (!proposed.ok) throw new Error(`proposal blocked: ${proposed.reason}`);
      expect(proposed.proposal.actorId).toBe('dana');
      const lane = expectOk(await h.gov.requestApproval(proposed.proposal.id));
      const before = await h.fingerprint();

      expect(await h.gov.approve(lane.id, approver)).toMatchObject({
        ok: false,
        error: 'forbidden',
        reason: 'four_eyes',
      });
      expect(await h.fingerprint()).toBe(before);
    },
  );

  it.each(['system', 'system:auto', 'system:worker', 'System:Auto', 'sys\u200btem:auto'])(
    'a host cannot act as %j: refused, nothing written',
    async (actorId) => {
      const { proposalId, laneId } = await h.openRefundLane();
      const before = await h.fingerprint();

      for (const attempt of [
        () => h.gov.approve(laneId, actorId),
        () => h.gov.reject(laneId, actorId, { reason: 'no' }),
        () => h.gov.expire(laneId, { actorId }),
        () => h.gov.send(laneId, { type: 'RESUME', actorId }),
      ]) {
        expect(await attempt()).toMatchObject({
          ok: false,
          error: 'forbidden',
          reason: 'reserved_actor',
        });
      }
      expect(await h.gov.requestApproval(proposalId, { actorId })).toMatchObject({
        ok: false,
        error: 'invalid_event',
      });
      await expect(h.gov.propose('refund', actorId, refund('o-sys'))).rejects.toSatisfy(
        isInvalidRequestError,
      );
      expect(await h.fingerprint()).toBe(before);
    },
  );

  it('EXPIRE from a host needs the configured expireRole: without it forbidden, nothing written', async () => {
    const { laneId } = await h.openRefundLane();
    const before = await h.fingerprint();

    // bob may approve, but expiring needs lane-admin.
    expect(await h.gov.expire(laneId, { actorId: 'bob' })).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'missing_role',
    });
    expect(await h.gov.expire(laneId)).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await h.gov.expire(laneId, { actorId: 'mallory' })).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'unknown_actor',
    });
    expect(await h.fingerprint()).toBe(before);
    expect(expectOk(await h.gov.expire(laneId, { actorId: 'admin' })).status).toBe('expired');
  });
});

describe('roles need a directory', () => {
  it.each([
    ['approverRoles', { approverRoles: { high: 'payments-approver' } }],
    ['expireRole', { expireRole: 'lane-admin' }],
  ])('%s without resolveActor is a ConfigurationError at start', async (_name, options) => {
    await expect(
      createGovernance({
        tools: laneTools({ runs: 0 }),
        databaseUrl: 'postgres://unused',
        ...options,
      }),
    ).rejects.toSatisfy(isConfigurationError);
  });
});
