import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/index.js';
import { useWorkerSuite } from '../workers/support/workerHarness.js';
import {
  approver,
  proposer,
  sideEffectTools,
  workerOptions,
} from '../workers/support/sideEffectTools.js';

const signingKey = { keyId: 'links-2026', hmacSecret: 'a secret only the host knows, 32b+' };
const oldKey = { keyId: 'links-2025', hmacSecret: 'last year the host used this secret' };

describe('signed one-time decision links', () => {
  const h = useWorkerSuite({
    startWorkers: false,
    overrides: { decisionLinks: { signingKey, verificationKeys: [oldKey] } },
  });

  async function link(
    tag: string,
    decision: 'APPROVE' | 'REJECT' = 'APPROVE',
    approverId = approver,
  ) {
    const lane = await h.openLane('ship', tag);
    const made = await h.gov.createDecisionLink(lane.laneId, {
      decision,
      approverId,
      expiresIn: 600,
    });
    if (!made.ok) throw new Error(made.error);
    return { ...lane, token: made.token };
  }

  it('decides the lane as its approver, once; a replay is refused and writes nothing', async () => {
    const { laneId, token } = await link('link-once');
    const used = await h.gov.useDecisionLink(token, { note: 'from the email' });
    expect(used).toMatchObject({
      ok: true,
      approval: { status: 'approved', decidedBy: approver, note: 'from the email' },
    });
    const [row] = await h.sql.query<{ n: number }>(
      'select count(*)::int as n from decision_link_uses where lane_id = ?',
      [laneId],
    );
    expect(row!.n).toBe(1);
    const before = await h.fingerprint();
    expect(await h.gov.useDecisionLink(token)).toMatchObject({ ok: false, error: 'link_used' });
    expect(await h.fingerprint()).toBe(before);
  });

  it('two uses at the same moment: exactly one decides', async () => {
    const { laneId, token } = await link('link-race');
    const results = await Promise.all([h.gov.useDecisionLink(token), h.gov.useDecisionLink(token)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(
      (await h.gov.listEvents((await h.gov.getApproval(laneId))!.proposalId)).filter(
        (e) => e.type === 'approved',
      ),
    ).toHaveLength(1);
  });

  it('refuses a forged, altered, wrong-key or expired token, and a lane no longer pending, writing nothing', async () => {
    const { laneId, token } = await link('link-bad');
    const [payload, signature] = token.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const altered = Buffer.from(JSON.stringify({ ...body, decision: 'REJECT' })).toString(
      'base64url',
    );
    const foreign = await createGovernance(
      workerOptions(h.url, sideEffectTools(h.sql), {
        enqueue: () => {},
        decisionLinks: {
          signingKey: { keyId: 'links-2026', hmacSecret: 'somebody else entirely, 32 bytes' },
        },
      }),
    );
    const wrongKey = await foreign.createDecisionLink(laneId, {
      decision: 'APPROVE',
      approverId: approver,
    });
    await foreign.close();
    const unknownKey = Buffer.from(JSON.stringify({ ...body, keyId: 'nobody' })).toString(
      'base64url',
    );
    const before = await h.fingerprint();
    for (const bad of [
      'not-a-token',
      `${altered}.${signature}`,
      `${payload}.${signature.slice(0, -2)}AA`,
      `${unknownKey}.${signature}`,
      wrongKey.ok ? wrongKey.token : '',
      `${token}.extra`,
    ]) {
      expect(await h.gov.useDecisionLink(bad), bad).toMatchObject({
        ok: false,
        error: 'invalid_link',
      });
    }
    const expired = await h.gov.createDecisionLink(laneId, {
      decision: 'APPROVE',
      approverId: approver,
      expiresIn: 1,
    });
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await h.gov.useDecisionLink(expired.ok ? expired.token : '')).toMatchObject({
      ok: false,
      error: 'link_expired',
    });
    expect(await h.fingerprint()).toBe(before);
    await h.gov.reject(laneId, approver, { reason: 'decided elsewhere' });
    expect(await h.gov.useDecisionLink(token)).toMatchObject({ ok: false, error: 'not_pending' });
  });

  it('keeps every guard: a link for the proposer is refused (four-eyes); a rejection needs a reason', async () => {
    const own = await link('link-own', 'APPROVE', proposer);
    expect(await h.gov.useDecisionLink(own.token)).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'four_eyes',
    });
    const reject = await link('link-reject', 'REJECT');
    expect(await h.gov.useDecisionLink(reject.token)).toMatchObject({
      ok: false,
      error: 'invalid_event',
    });
    expect(await h.gov.useDecisionLink(reject.token, { reason: 'not this one' })).toMatchObject({
      ok: true,
      approval: { status: 'rejected', reason: 'not this one' },
    });
  });

  it('a link signed with a rotated-out key still verifies; a link needs a signing key', async () => {
    const { laneId } = await h.openLane('ship', 'link-rotated');
    const old = await createGovernance(
      workerOptions(h.url, sideEffectTools(h.sql), {
        enqueue: () => {},
        decisionLinks: { signingKey: oldKey },
      }),
    );
    const made = await old.createDecisionLink(laneId, {
      decision: 'APPROVE',
      approverId: approver,
    });
    await old.close();
    expect(await h.gov.useDecisionLink(made.ok ? made.token : '')).toMatchObject({ ok: true });
    const none = await createGovernance(
      workerOptions(h.url, sideEffectTools(h.sql), { enqueue: () => {} }),
    );
    try {
      await expect(
        none.createDecisionLink(laneId, { decision: 'APPROVE', approverId: approver }),
      ).rejects.toMatchObject({ code: 'configuration' });
    } finally {
      await none.close();
    }
  });
});
