import { describe, expect, it } from 'vitest';
import type { EscalationPolicy, PolicyBody } from '../../machines/caseTypes.js';
import { isWithin, parseCasePath, pathChain } from '../../src/cases/casePath.js';
import {
  allowedTools,
  approvalDefaultDecision,
  approvalPointFor,
  approvalTimeoutAction,
  executionDeadlineMs,
  parsePolicyBody,
  policyHash,
  withAllowlist,
  withApprovalPoint,
  withBudget,
  withTimeouts,
} from '../../src/cases/policy.js';
import type { PolicyResult } from '../../src/cases/policy.js';
import { InvalidRequestError } from '../../src/errors/invalidRequestError.js';

const known = new Set(['a', 'b', 'c', 'd', 'e', 'search', 'fetch', 'refund']);
const isKnownTool = (name: string) => known.has(name);
const escalation: EscalationPolicy = {
  approverRole: 'lead',
  ttlSeconds: 600,
  maxDepth: 3,
  finalAction: 'reject',
};
const segments = (n: number) => `/${Array.from({ length: n }, () => 'x').join('/')}`;

/** The parsed body; the test fails with the issues when it does not parse. */
function valid(body: unknown): PolicyBody {
  const r = parsePolicyBody(body, isKnownTool);
  if (!r.ok) throw new Error(r.message);
  return r.body;
}

/** Issue paths (dot-joined) and messages of a body that must not parse. */
function issuesOf(body: unknown): { path: string; message: string }[] {
  const r = parsePolicyBody(body, isKnownTool);
  if (r.ok) throw new Error('parsed a bad policy');
  expect(r.message).not.toBe('');
  return r.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) Object.values(value).forEach(deepFreeze);
  return Object.freeze(value);
}

describe('case paths', () => {
  it.each(['/', '/research', '/research/web', '/a.b/c-d/e_f', `/${'s'.repeat(64)}`, segments(32)])(
    'accepts %s',
    (path) => expect(parseCasePath(path)).toEqual({ ok: true, path }),
  );

  it.each([
    ['', 'start with "/"'],
    ['research', 'start with "/"'],
    ['/a//b', 'segment 2 is empty'],
    ['/a/', 'segment 2 is empty'],
    ['/a/..', 'segment 2 is ".."'],
    ['/./a', 'segment 1 is "."'],
    ['/a b', 'characters of'],
    [`/${'s'.repeat(65)}`, '1..64'],
    [segments(33), '33 segments'],
    [`/${'a'.repeat(60)}/`.repeat(9).slice(0, -1), 'at most 512'],
    [7, 'expected string'],
  ])('refuses %j', (path, reason) => {
    const r = parseCasePath(path);
    expect(r.ok || r.message).toContain(reason);
  });

  it('refuses 10,000 segments by length alone', () => {
    const started = performance.now();
    const r = parseCasePath(segments(10_000));
    expect(performance.now() - started).toBeLessThan(50);
    expect(r.ok || r.message).toContain('20000 characters long; at most 512');
  });

  it('matches by whole segments; a malformed path is within nothing', () => {
    expect(isWithin('/research/web', '/research')).toBe(true);
    expect(isWithin('/research', '/research')).toBe(true);
    expect(isWithin('/researchers', '/research')).toBe(false);
    expect(isWithin('/research', '/research/web')).toBe(false);
    expect(isWithin('/anything/at/all', '/')).toBe(true);
    expect(isWithin('/research', '')).toBe(false);
    expect(isWithin('/research/web', '/research/')).toBe(false);
    expect(isWithin('research', '/')).toBe(false);
  });

  it('chains from the root down, and throws on a malformed path', () => {
    expect(pathChain('/')).toEqual(['/']);
    expect(pathChain('/research/web')).toEqual(['/', '/research', '/research/web']);
    expect(() => pathChain('/a//b')).toThrow(InvalidRequestError);
  });
});

describe('allowedTools', () => {
  const body = valid({
    allowlists: {
      '/': ['a', 'b', 'c', 'd'],
      '/research': ['e', 'd', 'c', 'b'],
      '/research/web': ['c', 'd', 'e', 'search'],
    },
  });

  it('intersects the lists of every level on the chain', () => {
    expect(allowedTools(body, '/')).toEqual(new Set(['a', 'b', 'c', 'd']));
    expect(allowedTools(body, '/research')).toEqual(new Set(['b', 'c', 'd']));
    // 'e' is on both nested lists but not the root's; 'search' only on the deepest.
    expect(allowedTools(body, '/research/web')).toEqual(new Set(['c', 'd']));
  });

  it("lets a level without a list inherit its parent's, by whole segments", () => {
    expect(allowedTools(body, '/research/web/deep')).toEqual(new Set(['c', 'd']));
    expect(allowedTools(body, '/research/other')).toEqual(new Set(['b', 'c', 'd']));
    expect(allowedTools(body, '/researchers')).toEqual(new Set(['a', 'b', 'c', 'd']));
  });

  it('is null when no list applies, and empty below an empty list', () => {
    expect(allowedTools({}, '/research')).toBeNull();
    const nested = valid({ allowlists: { '/research': ['a'], '/x': [] } });
    expect(allowedTools(nested, '/')).toBeNull();
    expect(allowedTools(nested, '/researchers')).toBeNull();
    expect(allowedTools(nested, '/research/web')).toEqual(new Set(['a']));
    expect(allowedTools(nested, '/x/y')).toEqual(new Set());
  });
});

describe('approval points and timeouts', () => {
  const body = valid({
    timeouts: { onApprovalTimeout: 'escalate', escalation },
    approvalPoints: [
      { tool: 'refund', casePath: '/billing', onApprovalTimeout: 'cancel' },
      { casePath: '/research' },
      { tool: 'refund' },
    ],
  });

  it('finds the first point matching tool and path', () => {
    expect(approvalPointFor(body, 'refund', '/billing/eu')?.onApprovalTimeout).toBe('cancel');
    expect(approvalPointFor(body, 'refund', '/billingx')).toEqual({ tool: 'refund' });
    expect(approvalPointFor(body, 'search', '/research/web')).toEqual({ casePath: '/research' });
    expect(approvalPointFor(body, 'search', '/researchers')).toBeNull();
    expect(approvalPointFor({}, 'refund', '/')).toBeNull();
  });

  it("takes the point's action, else the policy's, else default-reject", () => {
    const point = approvalPointFor(body, 'refund', '/billing');
    expect(approvalTimeoutAction(body, point)).toBe('cancel');
    expect(approvalTimeoutAction(body, { tool: 'refund' })).toBe('escalate');
    expect(approvalTimeoutAction({}, null)).toBe('default');
    expect(approvalDefaultDecision({})).toBe('reject');
    expect(approvalDefaultDecision({ timeouts: { defaultDecision: 'approve' } })).toBe('approve');
  });

  it('bounds a run by the least deadline, never below zero', () => {
    const capped: PolicyBody = { timeouts: { executionMs: 5_000 } };
    expect(executionDeadlineMs(capped, 30_000, null)).toBe(5_000);
    expect(executionDeadlineMs(capped, 2_000, null)).toBe(2_000);
    expect(executionDeadlineMs(capped, 30_000, 1_000)).toBe(1_000);
    expect(executionDeadlineMs({}, 30_000, null)).toBe(30_000);
    expect(executionDeadlineMs({}, 30_000, -50)).toBe(0);
    expect(executionDeadlineMs({}, Number.NaN, null)).toBe(0);
  });
});

describe('bad policies', () => {
  const B = (limits: object) => ({ budgets: { '/': limits } });
  const T = (timeouts: object) => ({ timeouts });
  const E = (change: object) => T({ escalation: { ...escalation, ...change } });
  const A = (lists: object) => ({ allowlists: lists });
  const P = (...approvalPoints: object[]) => ({ approvalPoints });
  const long = segments(10_000);

  // [what, body, the issue's exact path, a piece of its message]
  it.each<[string, unknown, string, string]>([
    ['negative limit', B({ maxEffects: -1 }), 'budgets./.maxEffects', '>=0'],
    ['fractional limit', B({ maxCost: 1.5 }), 'budgets./.maxCost', 'int'],
    ['unsafe limit', B({ maxEffectTimeMs: 2 ** 53 }), 'budgets./.maxEffectTimeMs', '<='],
    ['zero timeout', T({ caseMs: 0 }), 'timeouts.caseMs', '>0'],
    ['fractional timeout', T({ executionMs: 0.5 }), 'timeouts.executionMs', 'int'],
    ['unknown action', T({ onApprovalTimeout: 'ignore' }), 'timeouts.onApprovalTimeout', 'opt'],
    ['unknown decision', T({ defaultDecision: 'maybe' }), 'timeouts.defaultDecision', 'opt'],
    ['unknown exhaustion', { onBudgetExhausted: 'warn' }, 'onBudgetExhausted', 'opt'],
    ['empty path', A({ '': ['a'] }), 'allowlists.', 'start with "/"'],
    ['relative path', { budgets: { research: {} } }, 'budgets.research', 'start with "/"'],
    ['empty segment', A({ '/a//b': ['a'] }), 'allowlists./a//b', 'segment 2 is empty'],
    ['trailing slash', A({ '/a/': ['a'] }), 'allowlists./a/', 'segment 2 is empty'],
    ['dot-dot segment', { budgets: { '/a/..': {} } }, 'budgets./a/..', 'segment 2 is ".."'],
    ['10,000 segments', A({ [long]: [] }), `allowlists.${long}`, 'at most 512'],
    ['bad point path', P({ casePath: '/a/' }), 'approvalPoints.0.casePath', 'is empty'],
    ['empty tool name', A({ '/': [''] }), 'allowlists./.0', '>=1'],
    ['long tool name', P({ tool: 'x'.repeat(129) }), 'approvalPoints.0.tool', '<=128'],
    ['duplicate tool', A({ '/': ['a', 'b', 'a'] }), 'allowlists./.2', 'duplicate tool'],
    ['duplicate point', P({ tool: 'a' }, { tool: 'a' }), 'approvalPoints.1', 'duplicate'],
    ['empty point', P({ onApprovalTimeout: 'cancel' }), 'approvalPoints.0', '`tool` or'],
    ['depth 0', E({ maxDepth: 0 }), 'timeouts.escalation.maxDepth', '>=1'],
    ['depth 11', E({ maxDepth: 11 }), 'timeouts.escalation.maxDepth', '<=10'],
    ['blank role', E({ approverRole: ' ' }), 'timeouts.escalation.approverRole', 'blank'],
    ['bare escalate', T({ onApprovalTimeout: 'escalate' }), 'timeouts.onApprovalTimeout', 'needs'],
    [
      'point escalate',
      P({ tool: 'a', onApprovalTimeout: 'escalate' }),
      'approvalPoints.0.onApprovalTimeout',
      'needs `timeouts.escalation`',
    ],
    ['misspelt key', { budget: {} }, '', '"budget"'],
    ['misspelt limit', B({ maxEffect: 1 }), 'budgets./', '"maxEffect"'],
    ['misspelt timeout', T({ caseMS: 1 }), 'timeouts', '"caseMS"'],
    ['misspelt point', P({ tools: 'a' }), 'approvalPoints.0', '"tools"'],
    ['misspelt escalation', E({ ttl: 1 }), 'timeouts.escalation', '"ttl"'],
    ['array body', [], '', 'expected object'],
    ['null body', null, '', 'expected object'],
  ])('refuses a %s', (_, body, path, message) => {
    const issues = issuesOf(body);
    expect(issues.filter((i) => i.path === path && i.message.includes(message))).toHaveLength(1);
  });

  it('names every unknown tool and where it is', () => {
    expect(
      issuesOf({ ...A({ '/': ['a', 'nope'] }), ...P({ casePath: '/x' }, { tool: 'ghost' }) }),
    ).toEqual([
      { path: 'allowlists./.1', message: 'unknown tool "nope"' },
      { path: 'approvalPoints.1.tool', message: 'unknown tool "ghost"' },
    ]);
  });

  it('accepts escalate with an escalation, at depths 1 and 10', () => {
    for (const maxDepth of [1, 10]) {
      const timeouts = { onApprovalTimeout: 'escalate', escalation: { ...escalation, maxDepth } };
      expect(valid({ timeouts }).timeouts?.escalation?.maxDepth).toBe(maxDepth);
    }
  });

  it('refuses 1,001 paths, tools or points without reading one of them', () => {
    let reads = 0;
    const budgets = {};
    for (let i = 0; i < 1_001; i++) {
      Object.defineProperty(budgets, `/p${i}`, { get: () => (reads++, {}), enumerable: true });
    }
    // Element reads are counted; the length is what a bound may look at.
    const counted = (items: unknown[]) =>
      new Proxy(items, {
        get: (t, key) => (key === 'length' ? t.length : (reads++, Reflect.get(t, key))),
      });
    const tools = counted(Array.from({ length: 1_001 }, (_, i) => `t${i}`));
    const points = counted(Array.from({ length: 1_001 }, (_, i) => ({ tool: `t${i}` })));
    expect(issuesOf({ budgets, ...A({ '/': tools }), approvalPoints: points })).toEqual([
      { path: 'allowlists./', message: 'at most 1000 tools' },
      { path: 'budgets', message: 'at most 1000 paths' },
      { path: 'approvalPoints', message: 'at most 1000 approval points' },
    ]);
    expect(reads).toBe(0);
  });

  it('refuses 100,000 bad paths with one issue, not 100,000', () => {
    const budgets = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`bad ${i}`, {}]));
    expect(issuesOf({ budgets })).toEqual([{ path: 'budgets', message: 'at most 1000 paths' }]);
  });
});

describe('normalised bodies and their hash', () => {
  const raw = {
    onBudgetExhausted: 'cancel',
    allowlists: { '/research': ['search', 'fetch'], '/': ['fetch', 'search', 'a'] },
    budgets: { '/': { maxEffects: 10, maxCost: undefined } },
    timeouts: undefined,
  };

  it('sorts allowlists, drops undefined members and leaves the input alone', () => {
    const input = deepFreeze(structuredClone(raw));
    expect(valid(input)).toStrictEqual({
      onBudgetExhausted: 'cancel',
      allowlists: { '/research': ['fetch', 'search'], '/': ['a', 'fetch', 'search'] },
      budgets: { '/': { maxEffects: 10 } },
    });
    expect(input).toStrictEqual(raw);
  });

  it('hashes equal bodies equally whatever their key or list order', () => {
    const reordered = {
      budgets: { '/': { maxEffects: 10 } },
      allowlists: { '/': ['search', 'a', 'fetch'], '/research': ['fetch', 'search'] },
      onBudgetExhausted: 'cancel',
    };
    expect(policyHash(valid(reordered))).toBe(policyHash(valid(raw)));
    expect(policyHash(valid(raw))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes different bodies differently', () => {
    const other = { ...raw, budgets: { '/': { maxEffects: 11 } } };
    expect(policyHash(valid(other))).not.toBe(policyHash(valid(raw)));
    expect(policyHash({})).not.toBe(policyHash({ onBudgetExhausted: 'block' }));
  });
});

describe('policy edits', () => {
  const base = deepFreeze(valid({ allowlists: { '/': ['a', 'b'] }, budgets: { '/': {} } }));
  const snapshot = structuredClone(base);
  /** An edit's body, checked to be a new version that left `base` alone. */
  const edited = (r: PolicyResult) => {
    if (!r.ok) throw new Error(r.message);
    expect(base).toStrictEqual(snapshot);
    expect(policyHash(r.body)).not.toBe(policyHash(base));
    return r.body;
  };

  it('sets an allowlist, sorted and checked against the registry', () => {
    const body = edited(withAllowlist(base, '/research', ['b', 'a'], isKnownTool));
    expect(body.allowlists).toEqual({ '/': ['a', 'b'], '/research': ['a', 'b'] });
    expect(withAllowlist(base, '/research', ['ghost'], isKnownTool).ok).toBe(false);
    expect(withAllowlist(base, '/a//b', ['a'], isKnownTool).ok).toBe(false);
  });

  it('sets a budget, replacing the one at that path', () => {
    expect(edited(withBudget(base, '/', { maxCost: 3 })).budgets).toEqual({ '/': { maxCost: 3 } });
    expect(withBudget(base, '/', { maxEffects: -1 }).ok).toBe(false);
  });

  it('replaces the timeouts part whole', () => {
    const first = edited(withTimeouts(base, { caseMs: 60_000, escalation }));
    const second = edited(withTimeouts(first, { executionMs: 1_000 }));
    expect(second.timeouts).toEqual({ executionMs: 1_000 });
    expect(first.timeouts).toEqual({ caseMs: 60_000, escalation });
  });

  it('refuses to drop an escalation a point still escalates to', () => {
    const escalating = edited(withTimeouts(base, { escalation }));
    const point = { tool: 'a', onApprovalTimeout: 'escalate' } as const;
    const withPoint = edited(withApprovalPoint(escalating, point, isKnownTool));
    expect(withTimeouts(withPoint, {}).ok).toBe(false);
  });

  it('appends an approval point once', () => {
    const once = edited(withApprovalPoint(base, { tool: 'refund', casePath: '/b' }, isKnownTool));
    const twice = withApprovalPoint(once, { casePath: '/b', tool: 'refund' }, isKnownTool);
    expect(twice).toEqual({ ok: true, body: once });
    expect(twice.ok && twice.body).not.toBe(once);
    expect(withApprovalPoint(base, { tool: 'ghost' }, isKnownTool).ok).toBe(false);
    expect(withApprovalPoint(base, {}, isKnownTool).ok).toBe(false);
  });
});
