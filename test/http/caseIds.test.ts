import { describe, expect, it } from 'vitest';
import { useHttpSuite } from './support/httpHarness.js';

describe("HTTP API: a case under the host's own id", () => {
  const s = useHttpSuite({ startWorkers: false });

  async function cases(): Promise<number> {
    const [row] = await s.h.sql.query<{ n: number }>(
      'select count(*)::int as n from governance_cases',
    );
    return row!.n;
  }

  it.each([
    ['a run id', 'run 42/attempt:1 — ok'],
    ['200 emoji', '🧾'.repeat(200)],
  ])('POST /cases takes %s; the case answers at its path, percent-encoded', async (_l, id) => {
    await s.h.gov.definePolicy(`http-ids-${id.length}`, {}, { actorId: 'admin' });
    const made = await s.call('agent', 'POST', '/cases', { policy: `http-ids-${id.length}`, id });
    expect(made.status).toBe(201);
    expect(made.body.case.id).toBe(id);
    const path = `/cases/${encodeURIComponent(id)}`;
    const found = await s.call('approver', 'GET', path);
    expect(found.status).toBe(200);
    expect(found.body.case).toMatchObject({ id, status: 'open' });
    expect((await s.call('approver', 'GET', `${path}/receipts`)).status).toBe(200);
    const completed = await s.call('agent', 'POST', `${path}/completion`);
    expect(completed.status).toBe(200);
    expect(completed.body.case.status).toBe('completed');
  });

  it.each([
    ['a zero-width space', 'run\u200b1'],
    ['a NUL', 'run\u00001'],
    ['a newline', 'run\n1'],
    ['201 characters', 'x'.repeat(201)],
    ['an empty id', ''],
  ])('%s is a 400 in a body and in a path, and nothing is written', async (_label, id) => {
    await s.h.gov.definePolicy(`http-bad-${id.length}-${id.charCodeAt(3)}`, {}, { actorId: 'a' });
    const before = await cases();
    const body = { policy: `http-bad-${id.length}-${id.charCodeAt(3)}`, id };
    expect((await s.call('agent', 'POST', '/cases', body)).status).toBe(400);
    if (id !== '') {
      const path = `/cases/${encodeURIComponent(id)}`;
      expect((await s.call('approver', 'GET', path)).status).toBe(400);
      expect((await s.call('agent', 'POST', `${path}/completion`)).status).toBe(400);
    }
    const proposal = { tool: 'ship', input: { tag: 'bad-case' }, caseId: id };
    expect((await s.call('agent', 'POST', '/proposals', proposal)).status).toBe(400);
    expect(await cases()).toBe(before);
  });
});
