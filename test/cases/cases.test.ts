import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, InvalidRequestError, PolicyError } from '../../src/index.js';
import type { GovernanceReceipt, PolicyBody } from '../../src/index.js';
import { useHarness } from '../proposals/fixtures.js';

const tool = (name: string, approvalMode: 'auto' | 'requires_approval' = 'auto') =>
  defineTool({
    name,
    input: z.object({ q: z.string() }),
    riskTier: 'low',
    approvalMode,
    run: () => 'ok',
  });
const tools = [tool('search'), tool('fetch_page'), tool('send_email', 'requires_approval')];
const h = useHarness(tools, { enqueue: () => {} });
const admin = { actorId: 'admin' };

let n = 0;
/** A case under a fresh policy named after the test. */
async function caseUnder(body: PolicyBody): Promise<{ caseId: string; policy: string }> {
  const policy = `policy-${(n += 1)}`;
  await h.gov.definePolicy(policy, body, admin);
  const created = await h.gov.createCase({ policy, actorId: 'agent-1' });
  if (!created.ok) throw new Error(created.error);
  return { caseId: created.case.id, policy };
}

const call = (caseId: string, casePath: string, q = `q-${(n += 1)}`) => ({
  input: { q },
  caseId,
  casePath,
});

async function rows(table: string): Promise<number> {
  const [row] = await h.sql.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return row!.n;
}

describe('policies', () => {
  it('are stored as versions: definePolicy writes 1, each set… the next, with who changed it', async () => {
    const v1 = await h.gov.definePolicy('versions', { allowlists: { '/': ['search'] } }, admin);
    expect(v1).toMatchObject({ name: 'versions', version: 1, createdBy: 'admin' });
    expect(v1.hash).toMatch(/^[0-9a-f]{64}$/);
    const v2 = await h.gov.setAllowlist('versions', '/research', ['search'], { actorId: 'ops' });
    const v3 = await h.gov.setBudget('versions', '/', { maxEffects: 3 }, admin);
    const v4 = await h.gov.setTimeoutPolicy('versions', { caseMs: 60_000 }, admin);
    const v5 = await h.gov.requireApproval('versions', { tool: 'search' }, admin);
    expect([v2, v3, v4, v5].map((v) => v.version)).toEqual([2, 3, 4, 5]);
    expect(v2.createdBy).toBe('ops');
    expect(v5.body).toEqual({
      allowlists: { '/': ['search'], '/research': ['search'] },
      budgets: { '/': { maxEffects: 3 } },
      timeouts: { caseMs: 60_000 },
      approvalPoints: [{ tool: 'search' }],
    });
    expect((await h.gov.getPolicy('versions', 1))?.body).toEqual({
      allowlists: { '/': ['search'] },
    });
  });

  it.each([
    ['a negative limit', { budgets: { '/': { maxEffects: -1 } } }],
    ['a fractional limit', { budgets: { '/': { maxCost: 1.5 } } }],
    ['an unknown timeout action', { timeouts: { onApprovalTimeout: 'shrug' } }],
    ['an empty case path', { allowlists: { '': ['search'] } }],
    ['a malformed case path', { allowlists: { '/a//b': ['search'] } }],
    ['an unknown tool', { allowlists: { '/': ['search', 'rm_rf'] } }],
    [
      'escalation depth 0',
      {
        timeouts: {
          escalation: { approverRole: 's', ttlSeconds: 9, maxDepth: 0, finalAction: 'cancel' },
        },
      },
    ],
    [
      'escalation depth 11',
      {
        timeouts: {
          escalation: { approverRole: 's', ttlSeconds: 9, maxDepth: 11, finalAction: 'cancel' },
        },
      },
    ],
  ])('refuses %s with a PolicyError and writes nothing', async (_label, body) => {
    const before = await rows('governance_policies');
    await expect(
      h.gov.definePolicy(`bad-${(n += 1)}`, body as PolicyBody, admin),
    ).rejects.toBeInstanceOf(PolicyError);
    expect(await rows('governance_policies')).toBe(before);
  });

  it('refuses a second definePolicy of a name, an edit of an unknown policy, and a bad edit', async () => {
    await h.gov.definePolicy('once', {}, admin);
    await expect(h.gov.definePolicy('once', {}, admin)).rejects.toBeInstanceOf(PolicyError);
    await expect(h.gov.setBudget('nope', '/', { maxEffects: 1 }, admin)).rejects.toThrow(
      /unknown policy/,
    );
    await expect(h.gov.setAllowlist('once', '/a', ['ghost'], admin)).rejects.toBeInstanceOf(
      PolicyError,
    );
    await expect(h.gov.setBudget('once', '/', null as never, admin)).rejects.toBeInstanceOf(
      PolicyError,
    );
    expect((await h.gov.getPolicy('once'))?.version).toBe(1);
  });
});

describe('cases and their gates', () => {
  it('inherit allowlists by intersection across three levels; each refusal leaves a full receipt', async () => {
    const { caseId } = await caseUnder({
      allowlists: {
        '/': ['search', 'fetch_page', 'send_email'],
        '/research': ['search', 'fetch_page'],
        '/research/web': ['fetch_page', 'send_email'],
      },
    });
    const outcome = async (t: string, path: string) =>
      (await h.gov.propose(t, 'agent-1', call(caseId, path))).ok ||
      (await h.gov.propose(t, 'agent-1', call(caseId, path)));
    void outcome;
    const judged = async (t: string, path: string) => {
      const r = await h.gov.propose(t, 'agent-1', call(caseId, path));
      return r.ok ? 'ok' : r.outcome;
    };
    expect(await judged('send_email', '/')).toBe('ok');
    expect(await judged('send_email', '/research')).toBe('allowlist_violation');
    // The web level names send_email, but its parent does not: a nested list only narrows.
    expect(await judged('send_email', '/research/web')).toBe('allowlist_violation');
    expect(await judged('search', '/research/web')).toBe('allowlist_violation');
    expect(await judged('fetch_page', '/research/web')).toBe('ok');
    // A level without a list of its own inherits its parent's.
    expect(await judged('search', '/research/web2')).toBe('ok');
    expect(await judged('send_email', '/research/web2')).toBe('allowlist_violation');

    const receipts = await h.gov.listReceipts(caseId);
    expect(receipts).toHaveLength(4);
    for (const r of receipts) {
      expect(Object.keys(r).sort()).toEqual([
        'detail',
        'errorType',
        'scope',
        'taskId',
        'timestamp',
      ]);
      expect(r.errorType).toBe('allowlist_violation');
      expect(r.taskId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(receipts.map((r) => r.scope)).toEqual([
      '/research',
      '/research/web',
      '/research/web',
      '/research/web2',
    ]);
    // The proposal's own trail carries the same receipt.
    const events = await h.gov.listEvents(receipts[0]!.taskId!);
    expect(events[0]?.payload.receipt).toEqual(receipts[0] as unknown as GovernanceReceipt);
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true, events: 5 });
  });

  it('snapshots the policy version at creation: a new version applies to new cases only', async () => {
    const { caseId, policy } = await caseUnder({ allowlists: { '/': ['search', 'fetch_page'] } });
    await h.gov.setAllowlist(policy, '/', ['fetch_page'], admin);
    const later = await h.gov.createCase({ policy, actorId: 'agent-1' });
    if (!later.ok) throw new Error(later.error);
    expect((await h.gov.propose('search', 'agent-1', call(caseId, '/'))).ok).toBe(true);
    const refused = await h.gov.propose('search', 'agent-1', call(later.case.id, '/'));
    expect(refused).toMatchObject({ ok: false, outcome: 'allowlist_violation' });
    expect((await h.gov.getCase(caseId))?.policy.version).toBe(1);
    expect(later.case.policy.version).toBe(2);
  });

  it('routes a call matched by a mandatory approval point to approval, even for an auto tool', async () => {
    const { caseId } = await caseUnder({ approvalPoints: [{ casePath: '/payments' }] });
    const inside = await h.gov.propose('search', 'agent-1', call(caseId, '/payments/eu'));
    const outside = await h.gov.propose('search', 'agent-1', call(caseId, '/'));
    expect(inside.proposal).toMatchObject({ approvalMode: 'requires_approval' });
    expect(outside.proposal).toMatchObject({ approvalMode: 'auto' });
  });

  it('refuses calls in a completed or cancelled case with case_closed, and closing twice', async () => {
    const done = await caseUnder({});
    const gone = await caseUnder({});
    expect(await h.gov.completeCase(done.caseId, { actorId: 'agent-1' })).toMatchObject({
      ok: true,
      case: { status: 'completed', closed: { by: 'agent-1' } },
    });
    expect(
      await h.gov.cancelCase(gone.caseId, { actorId: 'ops', reason: 'runaway' }),
    ).toMatchObject({
      ok: true,
      case: { status: 'cancelled', closed: { by: 'ops', reason: 'runaway' } },
    });
    for (const { caseId } of [done, gone]) {
      const r = await h.gov.propose('search', 'agent-1', call(caseId, '/'));
      expect(r).toMatchObject({ ok: false, outcome: 'case_closed' });
      expect(await h.gov.listReceipts(caseId)).toMatchObject([
        { errorType: 'case_closed', scope: '/' },
      ]);
    }
    expect(await h.gov.completeCase(done.caseId, { actorId: 'agent-1' })).toMatchObject({
      ok: false,
      error: 'case_closed',
    });
    expect(await h.gov.cancelCase(done.caseId, { actorId: 'ops', reason: ' ' })).toMatchObject({
      ok: false,
    });
  });

  it('blocks a proposal once the budget has no room, and reports the ledger per level', async () => {
    const { caseId } = await caseUnder({
      budgets: { '/': { maxEffects: 0 }, '/sub': { maxCost: 5 } },
    });
    const r = await h.gov.propose('search', 'agent-1', call(caseId, '/sub'));
    expect(r).toMatchObject({ ok: false, outcome: 'budget_exceeded' });
    expect(await h.gov.checkBudget(caseId)).toEqual({
      caseId,
      levels: [
        {
          path: '/',
          limit: { maxEffects: 0 },
          used: { effects: 0, timeMs: 0, cost: 0 },
          reserved: { effects: 0, timeMs: 0, cost: 0 },
          remaining: { maxEffects: 0 },
        },
        {
          path: '/sub',
          limit: { maxCost: 5 },
          used: { effects: 0, timeMs: 0, cost: 0 },
          reserved: { effects: 0, timeMs: 0, cost: 0 },
          remaining: { maxCost: 5 },
        },
      ],
    });
    expect(await h.gov.checkBudget('00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});

describe('bad case calls', () => {
  it('refuses an unknown case, a 10,000-segment path and bad createCase options, writing nothing', async () => {
    const { caseId } = await caseUnder({});
    const before = await h.counts();
    const unknown = { input: { q: 'x' }, caseId: '00000000-0000-4000-8000-000000000000' };
    await expect(h.gov.propose('search', 'agent-1', unknown)).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(
      h.gov.propose('search', 'agent-1', { ...unknown, caseId: 'case-7' }),
    ).rejects.toThrow(/no case/);
    const deep = '/a'.repeat(10_000);
    await expect(h.gov.propose('search', 'agent-1', call(caseId, deep))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(
      h.gov.validate('search', 'agent-1', call(caseId, 'no-slash')),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await h.counts()).toEqual(before);
    const cases = await rows('governance_cases');
    await expect(h.gov.createCase({ policy: '', actorId: 'a' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(h.gov.createCase({ policy: 'x', actorId: 'system:me' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect(await h.gov.createCase({ policy: 'no-such-policy', actorId: 'a' })).toMatchObject({
      ok: false,
      error: 'unknown_policy',
    });
    expect(await h.gov.createCase({ id: caseId, policy: 'once', actorId: 'a' })).toMatchObject({
      ok: false,
      error: 'duplicate',
    });
    expect(await rows('governance_cases')).toBe(cases);
  });
});

describe('the case trail', () => {
  it('verifyCaseTrail names an edited case event', async () => {
    const { caseId } = await caseUnder({ allowlists: { '/': ['search'] } });
    await h.gov.propose('fetch_page', 'agent-1', call(caseId, '/'));
    await h.gov.completeCase(caseId, { actorId: 'agent-1' });
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true, events: 3 });
    const [edited] = await h.sql.query<{ id: string }>(
      `update case_events set payload = jsonb_set(payload, '{receipt,detail}', '"fine"')
        where case_id = ? and seq = 2 returning id`,
      [caseId],
    );
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 2,
      eventId: edited!.id,
    });
  });

  it('fails closed when a policy version was edited behind the case', async () => {
    // A body no other case has used, so no earlier read has it cached by its hash.
    const { caseId, policy } = await caseUnder({ allowlists: { '/': ['search'], '/x': [] } });
    await h.sql.query(
      `update governance_policies set body = '{"allowlists":{"/":["search","send_email"]}}' where name = ?`,
      [policy],
    );
    await expect(h.gov.propose('send_email', 'agent-1', call(caseId, '/'))).rejects.toThrow(
      /does not match its hash/,
    );
  });
});

describe('onBudgetExhausted', () => {
  it("'cancel' cancels the case when a proposal finds the budget spent; 'block' only refuses", async () => {
    const cancels = await caseUnder({
      budgets: { '/': { maxEffects: 0 } },
      onBudgetExhausted: 'cancel',
    });
    const blocks = await caseUnder({ budgets: { '/': { maxEffects: 0 } } });
    for (const c of [cancels, blocks]) {
      const r = await h.gov.propose('search', 'agent-1', call(c.caseId, '/'));
      expect(r).toMatchObject({ ok: false, outcome: 'budget_exceeded' });
    }
    expect(await h.gov.getCase(cancels.caseId)).toMatchObject({
      status: 'cancelled',
      closed: { by: 'system:budget' },
    });
    expect((await h.gov.getCase(blocks.caseId))?.status).toBe('open');
    const next = await h.gov.propose('search', 'agent-1', call(cancels.caseId, '/'));
    expect(next).toMatchObject({ ok: false, outcome: 'case_closed' });
  });
});

describe('calls at different paths of one case', () => {
  it('are different calls: they never collapse into one proposal', async () => {
    const { caseId } = await caseUnder({});
    const at = (casePath: string) =>
      h.gov.propose('search', 'agent-1', { input: { q: 'same' }, caseId, casePath });
    const root = await at('/');
    const sub = await at('/research');
    const again = await at('/research');
    expect(root).toMatchObject({ ok: true, duplicate: false });
    expect(sub).toMatchObject({ ok: true, duplicate: false });
    expect(sub.proposal?.id).not.toBe(root.proposal?.id);
    expect(again).toMatchObject({ ok: true, duplicate: true, proposal: { id: sub.proposal?.id } });
  });
});
