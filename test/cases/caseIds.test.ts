import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, isInvalidRequestError } from '../../src/index.js';
import { rejectionOf, useHarness } from '../proposals/fixtures.js';

const tools = [
  defineTool({
    name: 'send_email',
    input: z.object({ to: z.string() }),
    riskTier: 'low',
    approvalMode: 'requires_approval',
    run: () => 'sent',
  }),
];
const h = useHarness(tools, { enqueue: () => {} });
const agent = { actorId: 'agent-1' };

async function written(): Promise<string> {
  const [row] = await h.sql.query<{ n: string }>(
    `select (select count(*) from governance_cases) || '/' || (select count(*) from case_events)
       || '/' || (select count(*) from tool_proposals) as n`,
  );
  return row!.n;
}

let policies = 0;
async function policy(): Promise<string> {
  const name = `ids-${(policies += 1)}`;
  await h.gov.definePolicy(name, {}, { actorId: 'admin' });
  return name;
}

describe('a case keyed by the host', () => {
  it("is created, found, joined, listed, closed and verified under the host's own run id", async () => {
    const id = 'run 2026-01-07/attempt#3 — données';
    const created = await h.gov.createCase({ id, policy: await policy(), ...agent });
    expect(created).toMatchObject({ ok: true, case: { id, status: 'open' } });
    expect((await h.gov.getCase(id))?.id).toBe(id);

    const proposed = await h.gov.propose('send_email', 'agent-1', {
      input: { to: 'a@example.com' },
      caseId: id,
    });
    if (!proposed.ok) throw new Error(proposed.outcome);
    expect(proposed.proposal.caseId).toBe(id);
    const lane = await h.gov.requestApproval(proposed.proposal.id);
    expect(lane.ok).toBe(true);
    const inCase = await h.gov.listApprovals({ caseId: id });
    expect(inCase.items.map((a) => a.proposal.id)).toEqual([proposed.proposal.id]);

    const listed = await h.gov.listCases({ status: 'open' });
    expect(listed.items.find((c) => c.id === id)).toMatchObject({ openLanes: 1 });
    expect(await h.gov.completeCase(id, agent)).toMatchObject({ ok: true });
    expect(await h.gov.verifyCaseTrail(id)).toMatchObject({ ok: true });
  });

  it('keeps a random UUID as the id when the host names none', async () => {
    const created = await h.gov.createCase({ policy: await policy(), ...agent });
    if (!created.ok) throw new Error(created.error);
    expect(created.case.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-/);
  });

  it('takes 200 characters, counted as characters: 200 emoji fit where 201 letters do not', async () => {
    const id = '🧾'.repeat(200);
    expect(await h.gov.createCase({ id, policy: await policy(), ...agent })).toMatchObject({
      ok: true,
      case: { id },
    });
    expect((await h.gov.getCase(id))?.id).toBe(id);
  });

  it('pages through cases whose ids are not UUIDs', async () => {
    const name = await policy();
    for (const id of ['page-a', 'page-b', 'page-c']) {
      expect((await h.gov.createCase({ id, policy: name, ...agent })).ok).toBe(true);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.gov.listCases({ limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.filter((id) => id.startsWith('page-'))).toEqual(['page-c', 'page-b', 'page-a']);
  });
});

describe('an id that is not a case id', () => {
  const refused: [string, unknown][] = [
    ['empty', ''],
    ['a zero-width space', 'run\u200b1'],
    ['a NUL', 'run\u00001'],
    ['a newline', 'run\n1'],
    ['a tab', 'run\t1'],
    ['a soft hyphen', 'run\u00ad1'],
    ['a right-to-left override', 'run\u202e1'],
    ['a no-break space', 'run\u00a01'],
    ['a line separator', 'run\u20281'],
    ['an unpaired surrogate', 'run\ud8001'],
    ['a leading space', ' run-1'],
    ['201 characters', 'x'.repeat(201)],
    ['a number', 42],
  ];

  it.each(refused)(
    '%s is an InvalidRequestError from createCase, nothing written',
    async (_l, id) => {
      const name = await policy();
      const before = await written();
      const error = await rejectionOf(h.gov.createCase({ id, policy: name, ...agent } as never));
      expect(isInvalidRequestError(error)).toBe(true);
      expect(await written()).toBe(before);
    },
  );

  it.each(refused)(
    '%s is an InvalidRequestError as a call’s caseId, nothing written',
    async (_l, id) => {
      const before = await written();
      const call = { input: { to: 'a@example.com' }, caseId: id } as never;
      expect(
        isInvalidRequestError(await rejectionOf(h.gov.propose('send_email', 'agent-1', call))),
      ).toBe(true);
      expect(
        isInvalidRequestError(await rejectionOf(h.gov.listApprovals({ caseId: id } as never))),
      ).toBe(true);
      expect(await written()).toBe(before);
    },
  );

  it('names no case in the reads and closings: null, not found, never a database error', async () => {
    for (const id of ['run\u00001', 'x'.repeat(201), '', 'run\u200b1']) {
      expect(await h.gov.getCase(id)).toBeNull();
      expect(await h.gov.checkBudget(id)).toBeNull();
      expect(await h.gov.listReceipts(id)).toEqual([]);
      expect(await h.gov.completeCase(id, agent)).toMatchObject({ ok: false, error: 'not_found' });
      expect(await h.gov.verifyCaseTrail(id)).toMatchObject({ ok: false, problem: 'not_found' });
    }
  });
});
