import { describe, expect, it } from 'vitest';
import { useHttpSuite } from './support/httpHarness.js';

describe('HTTP API: GET /me', () => {
  const s = useHttpSuite({ startWorkers: false });

  it("answers the token's actor, and nobody's without a token", async () => {
    const me = await s.call('approver', 'GET', '/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ actorId: 'reviewer-1', scopes: [], roles: ['approver'] });
    expect((await s.call(null, 'GET', '/me')).status).toBe(401);
    expect((await s.call({ token: 'cs_forged' }, 'GET', '/me')).status).toBe(401);
  });
});
