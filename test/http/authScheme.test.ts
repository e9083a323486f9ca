import { describe, expect, it } from 'vitest';
import { people, useHttpSuite } from './support/httpHarness.js';

// RFC 9110: the authentication scheme is case-insensitive; the token itself is not.
describe('HTTP API: the bearer scheme', () => {
  const s = useHttpSuite({ startWorkers: false });

  const me = (authorization: string) =>
    fetch(`${s.base}/me`, { headers: { authorization } }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as { actorId?: string; error?: string },
    }));

  it.each(['bearer', 'BEARER', 'bEaReR'])(
    '%s <token> authenticates as Bearer does',
    async (scheme) => {
      const res = await me(`${scheme} ${s.tokens.approver}`);
      expect(res.status).toBe(200);
      expect(res.body.actorId).toBe(people.approver.actorId);
    },
  );

  it('one or more spaces may follow the scheme', async () => {
    expect((await me(`Bearer   ${s.tokens.approver}`)).status).toBe(200);
  });

  it.each([
    ['another scheme', (t: string) => `Basic ${t}`],
    ['no space after the scheme', (t: string) => `Bearer${t}`],
    ['the scheme alone', () => 'bearer'],
    ['the token in another case', (t: string) => `Bearer ${t.toUpperCase()}`],
    ['two tokens', (t: string) => `Bearer ${t} ${t}`],
    ['a prefix before the scheme', (t: string) => `x Bearer ${t}`],
  ])('401 for %s', async (_name, header) => {
    const res = await me(header(s.tokens.approver));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthorized');
  });
});
