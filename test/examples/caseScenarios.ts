import { expect, onTestFinished, vi } from 'vitest';
import { z } from 'zod';
import {
  applyLedger,
  budgetLedger,
  budgetRoom,
  emptyLedger,
  holdsReservation,
  isBudgetAmount,
  ledgerLevelsFor,
} from '../../machines/budgetLedger.js';
import { CASE_MACHINE_ID, CASE_MACHINE_VERSION, caseMachine } from '../../machines/case.machine.js';
import { restoreCaseSnapshot } from '../../machines/caseSnapshot.js';
import type { BudgetLedgerState, CaseInput, PolicyBody } from '../../machines/caseTypes.js';
import { runPersistedCycle } from '../../machines/persistedActor.js';
import {
  casePathProblem,
  casePathSchema,
  isCasePath,
  isWithin,
  parseCasePath,
  pathChain,
} from '../../src/cases/casePath.js';
import {
  allowedTools,
  approvalDefaultDecision,
  approvalPointFor,
  approvalTimeoutAction,
  executionDeadlineMs,
  parsePolicyBody,
  policyBodySchema,
  policyHash,
  withAllowlist,
  withApprovalPoint,
  withBudget,
  withTimeouts,
} from '../../src/cases/policy.js';
import {
  CaseSnapshotError,
  createGovernance,
  defineTool,
  isCaseSnapshotError,
  isPolicyError,
  PolicyError,
} from '../../src/index.js';
import { createTestDatabase } from '../support/testDatabase.js';
import type { Scenario } from './jsdocExamples.test.js';

// The scenarios of the case-governance examples: budgets, case paths, policies, case
// snapshots. Most examples are one call whose `// result` comment is what `check` asserts.

/** A lone-expression example: `scope` gives its names, and its value must equal `expected`. */
const yields = (scope: Record<string, unknown>, expected: unknown): Scenario => ({
  scope: () => scope,
  check: (_scope, { value }) => void expect(value).toEqual(expected),
});

/** A policy edit that must succeed with exactly `body`. */
const edited =
  (body: PolicyBody) =>
  (_scope: unknown, { value }: Record<string, unknown>) =>
    void expect(value).toEqual({ ok: true, body });

const zero = { effects: 0, timeMs: 0, cost: 0 };
const one = { effects: 1, timeMs: 0, cost: 0 };
// '/research' has room for one effect, so a single reservation below it exhausts it.
const BUDGETS = { '/': { maxEffects: 5 }, '/research': { maxEffects: 1 } };

/** A ledger over BUDGETS in which `taskId` holds one effect at '/' and '/research'. */
function holding(taskId: string): BudgetLedgerState {
  const event = { type: 'reserve', taskId, path: '/research/web', amount: one } as const;
  const { ledger, refused } = applyLedger(emptyLedger(BUDGETS), event);
  if (refused) throw new Error(refused.reason);
  return ledger;
}

const caseInput: CaseInput = {
  caseId: 'case-1',
  policy: { name: 'research', version: 1, hash: 'a'.repeat(64) },
  budgets: BUDGETS,
  onBudgetExhausted: 'block',
  deadline: null,
  createdBy: 'user:alice',
  at: '2030-01-01T00:00:00.000Z',
};

const search = defineTool({
  name: 'search',
  input: z.object({ q: z.string() }),
  riskTier: 'low',
  approvalMode: 'auto',
  run: () => ({ hits: [] }),
});

export const caseScenarios: Record<string, Scenario> = {
  // machines/budgetLedger.ts
  isBudgetAmount: yields({ isBudgetAmount }, true),
  emptyLedger: {
    scope: () => ({ emptyLedger }),
    check: (_scope, { ledger }) =>
      void expect(ledger).toEqual({
        levels: {
          '/': { limit: { maxEffects: 5 }, used: zero, reserved: zero },
          '/research': { limit: { maxEffects: 3 }, used: zero, reserved: zero },
        },
        reservations: {},
      }),
  },
  holdsReservation: {
    // Another task's hold must not count: lane-1 holds nothing, so the example returns early.
    scope: () => ({ holdsReservation, context: { ledger: holding('lane-2') }, laneId: 'lane-1' }),
    check: (_scope, declared) => void expect(declared).toBeUndefined(),
  },
  ledgerLevelsFor: yields({ ledgerLevelsFor, emptyLedger }, ['/', '/research']),
  budgetLedger: {
    scope: () => ({
      budgetLedger,
      snapshot: {
        status: 'active',
        output: undefined,
        error: undefined,
        context: holding('lane-1'),
      },
    }),
    check(_scope, { next, effects }) {
      expect((next as { context: unknown }).context).toEqual(emptyLedger(BUDGETS));
      expect(effects).toEqual([]);
    },
  },
  applyLedger: {
    scope: () => ({
      applyLedger,
      context: { ledger: emptyLedger(BUDGETS) },
      taskId: 'lane-1',
      path: '/research/web',
      amount: one,
    }),
    check(_scope, { ledger, refused }) {
      expect(refused).toBeNull();
      expect(ledger).toEqual(holding('lane-1'));
      expect((ledger as BudgetLedgerState).reservations).toEqual({
        'lane-1': { paths: ['/', '/research'], amount: one },
      });
    },
  },
  budgetRoom: {
    scope: () => ({ budgetRoom, context: { ledger: holding('lane-1') }, refuse: vi.fn() }),
    check: ({ refuse }) => void expect(refuse).toHaveBeenCalledWith('maxEffects at /research'),
  },

  // machines/caseSnapshot.ts
  restoreCaseSnapshot: {
    scope() {
      const opened = runPersistedCycle(caseMachine, { input: caseInput }, []);
      if (!opened.ok) throw new Error(opened.detail);
      return {
        restoreCaseSnapshot,
        runPersistedCycle: vi.fn(runPersistedCycle),
        caseMachine,
        machineId: CASE_MACHINE_ID,
        machineVersion: CASE_MACHINE_VERSION,
        snapshot: JSON.parse(JSON.stringify(opened.start.persisted)),
        event: { type: 'COMPLETE', actorId: 'user:alice', at: '2030-01-01T00:10:00.000Z' },
      };
    },
    check({ runPersistedCycle }, { restored }) {
      expect(restored).toMatchObject({ ok: true, upgradedFrom: null });
      const cycle = (runPersistedCycle as ReturnType<typeof vi.fn>).mock.results[0]?.value;
      expect(cycle).toMatchObject({ ok: true, states: [{ value: 'completed' }] });
    },
  },

  // src/cases/casePath.ts
  casePathProblem: yields({ casePathProblem }, 'segment 2 is empty (no "//", no trailing "/")'),
  isCasePath: yields({ isCasePath }, true),
  casePathSchema: yields({ casePathSchema }, '/research/web'),
  parseCasePath: {
    scope: () => ({ parseCasePath, use: vi.fn() }),
    check: ({ use }) => void expect(use).toHaveBeenCalledWith('/research'),
  },
  isWithin: yields({ isWithin }, true),
  pathChain: yields({ pathChain }, ['/', '/research', '/research/web']),

  // src/cases/policy.ts
  policyBodySchema: yields({ policyBodySchema }, true),
  parsePolicyBody: {
    scope: () => ({ parsePolicyBody, registry: new Set(['search']) }),
    check: (_scope, { r }) =>
      void expect(r).toEqual({ ok: true, body: { allowlists: { '/': ['search'] } } }),
  },
  policyHash: {
    scope: () => ({ policyHash }),
    check: (_scope, { value }) => void expect(value).toMatch(/^[0-9a-f]{64}$/),
  },
  allowedTools: yields({ allowedTools }, new Set(['a', 'b'])),
  approvalPointFor: {
    // The first point is for another path; a tool no point names gets null.
    scope: () => ({
      approvalPointFor,
      body: { approvalPoints: [{ tool: 'refund', casePath: '/research' }, { tool: 'refund' }] },
    }),
    check({ body }, { value }) {
      expect(value).toEqual({ tool: 'refund' });
      expect(approvalPointFor(body as PolicyBody, 'search', '/billing')).toBeNull();
    },
  },
  approvalTimeoutAction: yields({ approvalTimeoutAction }, 'default'),
  approvalDefaultDecision: yields({ approvalDefaultDecision }, 'reject'),
  executionDeadlineMs: yields({ executionDeadlineMs }, 5000),
  withAllowlist: {
    scope: () => ({
      withAllowlist,
      body: { allowlists: { '/': ['fetch', 'search'] } },
      registry: new Set(['fetch', 'search']),
    }),
    check: edited({ allowlists: { '/': ['fetch', 'search'], '/research': ['search'] } }),
  },
  withBudget: {
    scope: () => ({ withBudget, body: { budgets: { '/': { maxEffects: 5, maxCost: 9 } } } }),
    check: edited({ budgets: { '/': { maxEffects: 20 } } }),
  },
  withTimeouts: {
    scope: () => ({ withTimeouts, body: { timeouts: { executionMs: 5_000 } } }),
    check: edited({ timeouts: { caseMs: 60_000, onApprovalTimeout: 'cancel' } }),
  },
  withApprovalPoint: {
    scope: () => ({
      withApprovalPoint,
      body: { approvalPoints: [{ casePath: '/billing' }] },
      registry: new Set(['refund']),
    }),
    check: edited({ approvalPoints: [{ casePath: '/billing' }, { tool: 'refund' }] }),
  },

  // src/errors
  CaseSnapshotError: {
    scope: () => ({
      CaseSnapshotError,
      e: new CaseSnapshotError('unsupported_version', 'case-9', 'no migration from version 0'),
      alert: vi.fn(),
    }),
    check: ({ alert }) =>
      void expect(alert).toHaveBeenCalledWith(
        'case case-9 cannot be restored: unsupported_version',
      ),
  },
  isCaseSnapshotError: {
    scope: () => ({ isCaseSnapshotError, e: new CaseSnapshotError('malformed', 'c', 'x') }),
    check: (_scope, { value }) => void expect(value).toBe(true),
  },
  isPolicyError: {
    scope: () => ({ isPolicyError, e: new PolicyError('bad') }),
    check: (_scope, { value }) => void expect(value).toBe(true),
  },
  PolicyError: {
    async scope() {
      const db = await createTestDatabase();
      const gov = await createGovernance({
        tools: [search],
        databaseUrl: db.url,
        enqueue: () => {},
      });
      onTestFinished(async () => {
        await gov.close();
        await db.drop();
      });
      // 'wire' is no registered tool, so the policy is refused before anything is stored.
      const body = { allowlists: { '/': ['search', 'wire'] } };
      return { gov, PolicyError, body, actorId: 'user:alice', show: vi.fn() };
    },
    check({ show }) {
      expect(show).toHaveBeenCalledExactlyOnceWith([
        expect.objectContaining({ path: ['allowlists', '/', 1], message: 'unknown tool "wire"' }),
      ]);
    },
  },
};
