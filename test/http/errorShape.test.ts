import { describe, expect, it } from 'vitest';
import { useHttpSuite } from './support/httpHarness.js';
import type { HttpSuite, JsonBody } from './support/httpHarness.js';

const unknown = '00000000-0000-4000-8000-000000000000';

/** A body every client can read the same way: a code, and a sentence that is more than it. */
function expectErrorBody(body: JsonBody, label: string) {
  expect
    .soft(body, label)
    .toMatchObject({ error: expect.any(String), message: expect.any(String) });
  const code = String(body?.error);
  expect.soft(code, label).toMatch(/^[a-z][a-z0-9_]*$/);
  expect.soft(body?.message, label).not.toBe(code);
  expect.soft(body?.message, label).not.toBe(code.replace(/_/g, ' '));
  // A sentence of words, not a code or a bare reason code.
  expect.soft(body?.message, label).toMatch(/\s/);
}

async function pendingLane(s: HttpSuite, tag: string) {
  const proposed = await s.call('agent', 'POST', '/proposals', { tool: 'ship', input: { tag } });
  const opened = await s.call('agent', 'POST', `/proposals/${proposed.body.proposal.id}/lanes`, {});
  return {
    proposalId: proposed.body.proposal.id as string,
    laneId: opened.body.approval.id as string,
  };
}

describe('HTTP API: every error has one shape', () => {
  const s = useHttpSuite({
    startWorkers: false,
    server: { rateLimit: { max: 200, timeWindowMs: 60_000 } },
    governance: {
      decisionLinks: {
        signingKey: { keyId: 'k1', hmacSecret: 'the host secret for links, 32 bytes' },
      },
    },
  });

  it('400, 401, 403, 404, 409, 413, 415, 422 and 429 all answer { error, message } with a sentence', async () => {
    const own = await pendingLane(s, 'shape-own');
    const decided = await pendingLane(s, 'shape-decided');
    await s.call('approver', 'POST', `/lanes/${decided.laneId}/events`, {
      type: 'REJECT',
      reason: 'no',
    });
    const link = await pendingLane(s, 'shape-link');
    const made = await s.h.gov.createDecisionLink(link.laneId, {
      decision: 'APPROVE',
      approverId: 'reviewer-1',
    });
    if (!made.ok) throw new Error(made.error);
    await s.call(null, 'POST', '/decision-links/use', { token: made.token });
    await s.h.gov.definePolicy('shape', {}, { actorId: 'admin' });
    const kase = await s.call('agent', 'POST', '/cases', { policy: 'shape', id: 'shape-case' });
    const blocked = await s.call('approver', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'b' },
    });

    const calls: [string, () => Promise<{ status: number; body: JsonBody }>, number][] = [
      [
        'a wrong body',
        () => s.call('approver', 'POST', `/lanes/${own.laneId}/events`, { type: 'NOPE' }),
        400,
      ],
      [
        'malformed JSON',
        () => s.call('approver', 'POST', `/lanes/${own.laneId}/events`, '{"type":'),
        400,
      ],
      ['a bad query', () => s.call('approver', 'GET', '/lanes?limit=0'), 400],
      [
        'an empty query parameter',
        () => s.call('approver', 'GET', '/lanes?newerThanSeconds='),
        400,
      ],
      ['an id that is not one', () => s.call('approver', 'GET', '/lanes/nope'), 400],
      ['no token', () => s.call(null, 'GET', '/lanes'), 401],
      [
        'a forged link',
        () => s.call(null, 'POST', '/decision-links/use', { token: 'forged' }),
        401,
      ],
      [
        'four-eyes',
        () => s.call('agent', 'POST', `/lanes/${own.laneId}/events`, { type: 'APPROVE' }),
        403,
      ],
      [
        'a missing role',
        () => s.call('noRole', 'POST', `/lanes/${own.laneId}/events`, { type: 'APPROVE' }),
        403,
      ],
      [
        'a batch of four-eyes',
        () =>
          s.call('agent', 'POST', '/lanes/decisions', {
            decisions: [{ laneId: own.laneId, event: { type: 'APPROVE' } }],
          }),
        403,
      ],
      ['an unknown route', () => s.call('approver', 'GET', '/no/such/route'), 404],
      ['an unknown route without a token', () => s.call(null, 'POST', '/lanes/x/y/z'), 404],
      [
        'an unknown tool',
        () => s.call('agent', 'POST', '/proposals', { tool: 'nope', input: {} }),
        404,
      ],
      ['an unknown lane', () => s.call('approver', 'GET', `/lanes/${unknown}`), 404],
      [
        'a decision on an unknown lane',
        () => s.call('approver', 'POST', `/lanes/${unknown}/events`, { type: 'APPROVE' }),
        404,
      ],
      [
        'a lane for an unknown proposal',
        () => s.call('agent', 'POST', `/proposals/${unknown}/lanes`, {}),
        404,
      ],
      ['an unknown case', () => s.call('approver', 'POST', `/cases/${unknown}/completion`), 404],
      ['an unknown policy', () => s.call('agent', 'POST', '/cases', { policy: 'nope' }), 404],
      [
        'a decided lane',
        () => s.call('approver2', 'POST', `/lanes/${decided.laneId}/events`, { type: 'APPROVE' }),
        409,
      ],
      [
        'a second lane',
        () => s.call('agent', 'POST', `/proposals/${own.proposalId}/lanes`, {}),
        409,
      ],
      [
        'a blocked proposal',
        () => s.call('agent', 'POST', `/proposals/${blocked.body.proposal.id}/lanes`, {}),
        409,
      ],
      [
        'an auto run of a gated call',
        () => s.call('agent', 'POST', `/proposals/${own.proposalId}/execution`),
        409,
      ],
      [
        'a used link',
        () => s.call(null, 'POST', '/decision-links/use', { token: made.token }),
        409,
      ],
      [
        'a duplicate case',
        () => s.call('agent', 'POST', '/cases', { policy: 'shape', id: kase.body.case.id }),
        409,
      ],
      [
        'a body over the limit',
        () =>
          s.call('approver', 'POST', `/lanes/${own.laneId}/events`, {
            type: 'APPROVE',
            note: 'x'.repeat(600_000),
          }),
        413,
      ],
      ['a blocked proposal', async () => blocked, 422],
      [
        'a refused edit',
        () =>
          s.call('approver', 'POST', `/lanes/${own.laneId}/events`, {
            type: 'APPROVE',
            input: { tag: 'shape-own', qty: -1 },
          }),
        422,
      ],
    ];
    for (const [label, call, status] of calls) {
      const res = await call();
      expect.soft(res.status, label).toBe(status);
      expectErrorBody(res.body, label);
    }
    const media = await fetch(`${s.base}/lanes/${own.laneId}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.tokens.approver}`, 'content-type': 'application/xml' },
      body: '<approve/>',
    });
    expect(media.status).toBe(415);
    expectErrorBody(await media.json(), 'another media type');
  });

  it('a refusal says what happened: four-eyes, roles and blocked calls in a sentence', async () => {
    const { laneId } = await pendingLane(s, 'shape-words');
    const own = await s.call('agent', 'POST', `/lanes/${laneId}/events`, { type: 'APPROVE' });
    expect(own.body).toMatchObject({ error: 'forbidden', reason: 'four_eyes' });
    expect(own.body.message).toBe('the proposer cannot approve their own call (four-eyes)');
    const role = await s.call('noRole', 'POST', `/lanes/${laneId}/events`, { type: 'APPROVE' });
    expect(role.body.message).toMatch(/does not hold the role/);
    const blocked = await s.call('agent', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: '' },
    });
    // The blocked answer keeps every field it had, and adds the two.
    expect(blocked.body).toMatchObject({
      ok: false,
      outcome: 'needs_input',
      reason: 'invalid_input',
      error: 'needs_input',
      proposal: { status: 'blocked' },
      issues: [expect.objectContaining({ path: ['tag'] })],
    });
    expect(blocked.body.message).toMatch(/does not match the tool's schema/);
  });

  it('429 over the rate limit has the same shape', async () => {
    let res = await s.call('approver2', 'GET', '/me');
    for (let i = 0; i < 300 && res.status !== 429; i++)
      res = await s.call('approver2', 'GET', '/me');
    expectErrorBody(res.body, 'rate limited');
    expect(res.body.error).toBe('rate_limited');
  });
});

describe('HTTP API: an empty query parameter is a 400, on every route, for every parameter', () => {
  const s = useHttpSuite({ startWorkers: false });
  const params: [string, string[]][] = [
    [
      '/lanes',
      [
        'status',
        'tool',
        'riskTier',
        'conversationId',
        'caseId',
        'olderThanSeconds',
        'newerThanSeconds',
        'order',
        'limit',
        'cursor',
      ],
    ],
    ['/cases', ['status', 'limit', 'cursor']],
    ['/conversations/c-1/proposals', ['limit', 'after']],
    [`/proposals/${unknown}/outcome`, ['wait']],
    ['/events', ['conversationId', 'caseId', 'from']],
  ];

  it.each(params)('%s', async (path, names) => {
    const before = await s.h.fingerprint();
    for (const name of names) {
      // `?name=` and a bare `?name` both give the empty string.
      for (const query of [`${name}=`, name]) {
        const res = await s.call('approver', 'GET', `${path}?${query}`);
        expect(res.status, `${path}?${query}`).toBe(400);
        expect(res.body.error).toBe('invalid_request');
        expect(res.body.issues, `${path}?${query}`).toContainEqual(
          expect.objectContaining({ path: `/${name}`, message: expect.stringMatching(/empty/) }),
        );
      }
    }
    expect(await s.h.fingerprint()).toBe(before);
  });

  it('an empty value in a repeated parameter is a 400 too; a given value still filters', async () => {
    const res = await s.call('approver', 'GET', '/lanes?status=pending&status=');
    expect(res.status).toBe(400);
    expect(res.body.issues).toContainEqual(expect.objectContaining({ path: '/status/1' }));
    const ok = await s.call('approver', 'GET', '/lanes?status=pending&newerThanSeconds=60');
    expect(ok.status).toBe(200);
  });
});
