import { describe, expect, it } from 'vitest';
import { useHttpSuite } from './support/httpHarness.js';

// Every refusal is the right status with a typed body, and writes nothing.
describe('HTTP API: refusals write nothing', () => {
  const s = useHttpSuite({ startWorkers: false });

  async function pendingLane(tag: string) {
    const proposed = await s.call('agent', 'POST', '/proposals', { tool: 'ship', input: { tag } });
    const proposalId = proposed.body.proposal.id as string;
    const opened = await s.call('agent', 'POST', `/proposals/${proposalId}/lanes`, {});
    return { proposalId, laneId: opened.body.approval.id as string };
  }

  /** Runs `act` and checks that no lane, event or proposal row changed. */
  async function unchanged(act: () => Promise<void>) {
    const before = await s.h.fingerprint();
    await act();
    expect(await s.h.fingerprint()).toBe(before);
  }

  it('401 without a token, with a malformed header and with a token nobody issued', async () => {
    const { laneId } = await pendingLane('no-token');
    await unchanged(async () => {
      const none = await s.call(null, 'POST', `/lanes/${laneId}/events`, { type: 'APPROVE' });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(none.body.error).toBe('unauthorized');
      const forged = await s.call({ token: 'cs_not-a-real-token' }, 'GET', '/lanes');
      expect(forged.status).toBe(401);
      const raw = await fetch(`${s.base}/lanes`, { headers: { authorization: s.tokens.approver } });
      expect(raw.status).toBe(401);
      expect((await s.call(null, 'GET', '/events')).status).toBe(401);
    });
  });

  it("403 when the proposer's token approves its own call (four-eyes)", async () => {
    const { laneId } = await pendingLane('own-call');
    await unchanged(async () => {
      const res = await s.call('agent', 'POST', `/lanes/${laneId}/events`, { type: 'APPROVE' });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ ok: false, error: 'forbidden' });
      expect(res.body.reason).toBe('four_eyes');
    });
  });

  it('403 for a token without the role the risk tier needs', async () => {
    const { laneId } = await pendingLane('no-role');
    await unchanged(async () => {
      const res = await s.call('noRole', 'POST', `/lanes/${laneId}/events`, {
        type: 'REJECT',
        reason: 'not mine to decide',
      });
      expect(res.status).toBe(403);
      expect(res.body.reason).toMatch(/role/);
    });
  });

  it("422 for a proposal the token's scopes do not allow, stored blocked as in-process", async () => {
    const res = await s.call('approver', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'no-scope' },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      error: 'scope_invalid',
      outcome: 'scope_invalid',
      reason: 'missing scopes: ship:write',
      proposal: { status: 'blocked', actorId: 'reviewer-1' },
    });
    // Declaring fewer scopes than the token holds narrows them, as in-process.
    const narrowed = await s.call('agent', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'no-scope' },
      scopes: [],
    });
    expect(narrowed.body.outcome).toBe('scope_invalid');
    // A blocked proposal opens no lane.
    const lane = await s.call('approver', 'POST', `/proposals/${res.body.proposal.id}/lanes`, {});
    expect(lane.status).toBe(409);
    expect(lane.body.error).toBe('proposal_blocked');
  });

  it('the body cannot name the actor: identity comes from the token only', async () => {
    const { laneId } = await pendingLane('borrowed');
    await unchanged(async () => {
      const res = await s.call('agent', 'POST', `/lanes/${laneId}/events`, {
        type: 'APPROVE',
        actorId: 'reviewer-1',
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      const propose = await s.call('approver', 'POST', '/proposals', {
        tool: 'lookup',
        input: { tag: 'x' },
        actorId: 'agent-7',
      });
      expect(propose.status).toBe(400);
    });
  });

  it.each([
    ['malformed JSON', '{"type": "APPROVE",'],
    ['a wrong type', { type: 'APPROVE', note: 42 }],
    ['an unknown event type', { type: 'EXECUTION_SUCCEEDED' }],
    ['a host-only event', { type: 'RESUME' }],
    ['a rejection without a reason', { type: 'REJECT' }],
    ['a blank reason', { type: 'DEFER', reason: '   ' }],
    ['a NUL in a note', { type: 'APPROVE', note: 'a\u0000b' }],
    ['an array', [{ type: 'APPROVE' }]],
  ])('400 for %s, with the issues', async (_name, body) => {
    const { laneId } = await pendingLane(`bad-${_name}`);
    await unchanged(async () => {
      const res = await s.call('approver', 'POST', `/lanes/${laneId}/events`, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.message).toEqual(expect.any(String));
    });
  });

  it.each([
    ['/lanes/not-a-uuid/events', 'POST'],
    ["/lanes/1' or '1'='1/events", 'POST'],
    ['/proposals/12345', 'GET'],
    ['/cases/a%01b/receipts', 'GET'],
  ])('400 for an id that is not an id: %s', async (path, method) => {
    await unchanged(async () => {
      const res = await s.call(
        'approver',
        method,
        path,
        method === 'POST' ? { type: 'APPROVE' } : undefined,
      );
      expect(res.status).toBe(400);
    });
  });

  it('400 for malformed proposals: unknown fields, wrong types, a bad case path', async () => {
    await unchanged(async () => {
      for (const body of [
        { tool: 'ship' },
        { tool: 42, input: {} },
        { tool: 'ship', input: { tag: 'x' }, scope: ['ship:write'] },
        { tool: 'ship', input: { tag: 'x' }, casePath: '../etc' },
        { tool: 'ship', input: { tag: 'x' }, conversationId: '' },
      ]) {
        const res = await s.call('agent', 'POST', '/proposals', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
    });
  });

  it('404 for an unknown tool, a lane or proposal that does not exist', async () => {
    await unchanged(async () => {
      const tool = await s.call('agent', 'POST', '/proposals', { tool: 'nope', input: {} });
      expect(tool.status).toBe(404);
      expect(tool.body.error).toBe('unknown_tool');
      const id = '00000000-0000-4000-8000-000000000000';
      expect(
        (await s.call('approver', 'POST', `/lanes/${id}/events`, { type: 'APPROVE' })).status,
      ).toBe(404);
      expect((await s.call('approver', 'GET', `/lanes/${id}`)).status).toBe(404);
      expect((await s.call('approver', 'GET', `/proposals/${id}`)).status).toBe(404);
      expect((await s.call('approver', 'GET', `/cases/${id}`)).status).toBe(404);
    });
  });

  it('413 for a body over the limit (1 MB)', async () => {
    const { laneId } = await pendingLane('huge');
    await unchanged(async () => {
      const res = await s.call('approver', 'POST', `/lanes/${laneId}/events`, {
        type: 'APPROVE',
        note: 'x'.repeat(1_000_000),
      });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('body_too_large');
      const propose = await s.call('agent', 'POST', '/proposals', {
        tool: 'ship',
        input: { tag: 'y'.repeat(1_048_576) },
      });
      expect(propose.status).toBe(413);
    });
  });

  it('409 for a lane decided twice, and for a second lane on one proposal', async () => {
    const { proposalId, laneId } = await pendingLane('twice');
    const first = await s.call('approver', 'POST', `/lanes/${laneId}/events`, {
      type: 'REJECT',
      reason: 'no',
    });
    expect(first.status).toBe(200);
    await unchanged(async () => {
      const again = await s.call('approver2', 'POST', `/lanes/${laneId}/events`, {
        type: 'APPROVE',
      });
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('not_pending');
    });
    const other = await pendingLane('second-lane');
    await unchanged(async () => {
      const res = await s.call('agent', 'POST', `/proposals/${other.proposalId}/lanes`, {});
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('conflict');
    });
    expect(proposalId).not.toBe(other.proposalId);
  });
});

describe('HTTP API: decisions in one batch', () => {
  const s = useHttpSuite({ startWorkers: false });

  it('approves a batch together, and refuses a batch with a lane of the proposer whole', async () => {
    const open = async (tag: string) => {
      const proposed = await s.call('agent', 'POST', '/proposals', {
        tool: 'ship',
        input: { tag },
      });
      const opened = await s.call(
        'agent',
        'POST',
        `/proposals/${proposed.body.proposal.id}/lanes`,
        {},
      );
      return opened.body.approval.id as string;
    };
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => open(`batch-${i}`)));
    const decisions = ids.map((laneId) => ({ laneId, event: { type: 'APPROVE' } }));
    const before = await s.h.fingerprint();
    const own = await s.call('agent', 'POST', '/lanes/decisions', { decisions });
    expect(own.status).toBe(403);
    expect(own.body.refusals).toHaveLength(20);
    expect(await s.h.fingerprint()).toBe(before);
    const ok = await s.call('approver', 'POST', '/lanes/decisions', { decisions });
    expect(ok.status).toBe(200);
    expect(ok.body.approvals.map((a: { status: string }) => a.status)).toEqual(
      Array(20).fill('approved'),
    );
    const again = await s.call('approver2', 'POST', '/lanes/decisions', {
      decisions: decisions.slice(0, 2),
    });
    expect(again.status).toBe(409);
    expect(again.body.refusals.map((r: { error: string }) => r.error)).toEqual([
      'not_pending',
      'not_pending',
    ]);
  });
});

describe('HTTP API: one-time decision links', () => {
  const s = useHttpSuite({
    startWorkers: false,
    governance: {
      decisionLinks: {
        signingKey: { keyId: 'k1', hmacSecret: 'the host secret for links, 32 bytes' },
      },
    },
  });

  it('a link decides without a bearer token, once; forged and used links are refused', async () => {
    const proposed = await s.call('agent', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'link-http' },
    });
    const opened = await s.call(
      'agent',
      'POST',
      `/proposals/${proposed.body.proposal.id}/lanes`,
      {},
    );
    const made = await s.h.gov.createDecisionLink(opened.body.approval.id, {
      decision: 'APPROVE',
      approverId: 'reviewer-1',
    });
    if (!made.ok) throw new Error(made.error);
    const before = await s.h.fingerprint();
    const forged = await s.call(null, 'POST', '/decision-links/use', { token: `${made.token}x` });
    expect(forged.status).toBe(401);
    expect(forged.body.error).toBe('invalid_link');
    expect(await s.h.fingerprint()).toBe(before);
    const used = await s.call(null, 'POST', '/decision-links/use', {
      token: made.token,
      note: 'ok',
    });
    expect(used.status).toBe(200);
    expect(used.body.approval).toMatchObject({ status: 'approved', decidedBy: 'reviewer-1' });
    const again = await s.call(null, 'POST', '/decision-links/use', { token: made.token });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('link_used');
  });
});

describe('HTTP API: the per-token rate limit', () => {
  const s = useHttpSuite({
    startWorkers: false,
    server: { rateLimit: { max: 5, timeWindowMs: 60_000 } },
  });

  it('429 once a token has used its window; another token is unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await s.call('approver', 'GET', '/lanes')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await s.call('approver', 'GET', '/lanes');
    expect(limited.body.error).toBe('rate_limited');
    expect((await s.call('approver2', 'GET', '/lanes')).status).toBe(200);
  });
});

describe('HTTP API: the per-address limit on decision links', () => {
  const s = useHttpSuite({
    startWorkers: false,
    server: { linkRateLimit: { max: 3, timeWindowMs: 60_000 } },
  });

  it('429 once an address has tried its window of links, forged or not; nothing written', async () => {
    const before = await s.h.fingerprint();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await s.call(null, 'POST', '/decision-links/use', { token: `x${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(await s.h.fingerprint()).toBe(before);
    // Authenticated routes count per token, apart from links.
    expect((await s.call('approver', 'GET', '/lanes')).status).toBe(200);
  });
});
