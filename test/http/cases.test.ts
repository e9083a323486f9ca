import { describe, expect, it } from 'vitest';
import { useHttpSuite } from './support/httpHarness.js';
import type { JsonBody } from './support/httpHarness.js';

describe('HTTP API: the case list', () => {
  const s = useHttpSuite({ startWorkers: false });

  it('GET /cases lists cases newest first with their open lanes; a bad query is 400', async () => {
    await s.h.gov.definePolicy('http-list', {}, { actorId: 'admin' });
    const made = await s.call('agent', 'POST', '/cases', { policy: 'http-list' });
    expect(made.status).toBe(201);
    const caseId = made.body.case.id as string;
    await s.call('agent', 'POST', '/proposals', { tool: 'ship', input: { tag: 'c1' }, caseId });
    const proposed = await s.call('agent', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'c2' },
      caseId,
    });
    await s.call('agent', 'POST', `/proposals/${proposed.body.proposal.id}/lanes`, {});

    const listed = await s.call('approver', 'GET', '/cases?limit=10&status=open');
    expect(listed.status).toBe(200);
    const found = listed.body.items.find((c: JsonBody) => c.id === caseId);
    expect(found).toMatchObject({ status: 'open', openLanes: 1, policy: { name: 'http-list' } });
    expect((await s.call('approver', 'GET', '/cases?limit=1000')).status).toBe(400);
    expect((await s.call(null, 'GET', '/cases')).status).toBe(401);
  });
});
