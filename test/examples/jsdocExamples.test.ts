import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { approvalLaneMachine } from '../../machines/approvalLane.machine.js';
import { approvalLaneDefinition } from '../../machines/approvalLaneDefinition.js';
import { machineEdges, machineMermaid } from '../../machines/machineDiagram.js';
import { restoreLaneSnapshot } from '../../machines/laneSnapshot.js';
import { runPersistedCycle } from '../../machines/persistedActor.js';
import { createActor } from 'xstate';
import {
  ConfigurationError,
  createGovernance,
  createServer,
  createToken,
  tokenDirectory,
  DatabaseError,
  defineTool,
  InvalidRequestError,
  isConfigurationError,
  isCountersignError,
  isDatabaseError,
  isInvalidRequestError,
  isLaneSnapshotError,
  LaneSnapshotError,
} from '../../src/index.js';
import type { Governance } from '../../src/index.js';
import { createTestDatabase } from '../support/testDatabase.js';
import { caseScenarios } from './caseScenarios.js';

// Every `@example` in the JSDoc of src/ and machines/ runs here as written: its free names
// come from the scenario registered under the name of the export it documents, and the
// scenario checks what the example did. An example without a scenario fails this suite.

const root = new URL('../../', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'migrations' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

interface Example {
  /** The export it documents. */
  name: string;
  where: string;
  code: string;
}

/** The `@example` blocks of a file, each with the name of the export below its comment. */
function examplesIn(path: string): Example[] {
  const text = readFileSync(path, 'utf8');
  const found: Example[] = [];
  for (const comment of text.matchAll(
    /\/\*\*([\s\S]*?)\*\/\s*export\s+(?:async\s+)?(?:function|class|const)\s+(\w+)/g,
  )) {
    const body = comment[1]!.split('\n').map((line) => line.replace(/^\s*\* ?/, ''));
    const joined = body.join('\n');
    for (const match of joined.matchAll(/@example\s*([\s\S]*?)(?=\n@\w|$)/g)) {
      found.push({
        name: comment[2]!,
        where: `${relative(root, path)} (${comment[2]})`,
        code: match[1]!.trim(),
      });
    }
  }
  return found;
}

const examples = [
  ...sourceFiles(join(root, 'src')),
  ...sourceFiles(join(root, 'machines')),
].flatMap(examplesIn);

/** The names the example's top-level `const`s bind, destructured ones included. */
function declaredNames(code: string): string[] {
  return [...code.matchAll(/\bconst\s+(\w+|\{[^}]*\}|\[[^\]]*\])\s*=/g)].flatMap(([, target]) =>
    /^\w+$/.test(target!)
      ? [target!]
      : target!
          .slice(1, -1)
          .split(',')
          // `{ a, b: c, d = 1, ...e }` binds a, c, d and e.
          .map((part) => part.replace(/=.*$/, '').split(':').pop()!.replace('...', '').trim())
          .filter(Boolean),
  );
}

/**
 * Runs example code with `scope` as its free names. A lone expression (`isX(e)`, or
 * `f(x); // result`, whose comment is the claim a scenario checks) returns `{ value }`;
 * statements return the consts they declared.
 */
async function run(code: string, scope: Record<string, unknown>): Promise<Record<string, unknown>> {
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<Record<string, unknown>>;
  const names = Object.keys(scope);
  let compiled: (...values: unknown[]) => Promise<Record<string, unknown>>;
  try {
    // The parser decides what is an expression; the newline ends a trailing `// result`.
    const expression = code.replace(/;(\s*\/\/.*)?\s*$/, '$1');
    compiled = new AsyncFunction(...names, `return { value: (\n${expression}\n) };`);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const body = `${code}\nreturn { ${declaredNames(code).join(', ')} };`;
    compiled = new AsyncFunction(...names, body);
  }
  return compiled(...Object.values(scope));
}

/** What an example needs to run (`scope`: its free names) and what proves it did (`check`). */
export interface Scenario {
  scope(): Promise<Record<string, unknown>> | Record<string, unknown>;
  check(scope: Record<string, unknown>, declared: Record<string, unknown>): Promise<void> | void;
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const refund = defineTool({
  name: 'refund',
  input: z.object({ orderId: z.string(), cents: z.number().int() }),
  riskTier: 'high',
  approvalMode: 'requires_approval',
  run: () => ({ refunded: true }),
});

async function governance(): Promise<{ gov: Governance; url: string }> {
  const db = await createTestDatabase();
  const gov = await createGovernance({ tools: [refund], databaseUrl: db.url, enqueue: () => {} });
  closers.push(async () => {
    await gov.close();
    await db.drop();
  });
  return { gov, url: db.url };
}

const databaseError = () => new DatabaseError('propose', new Error('connection refused'));
const laneInput = {
  laneId: 'lane-1',
  proposalId: 'proposal-1',
  proposerId: 'agent-7',
  requiredRole: null,
  inputHash: 'a'.repeat(64),
  expiresAt: '2100-01-01T00:00:00.000Z',
  requestedBy: 'agent-7',
  at: '2099-01-01T00:00:00.000Z',
};

// Keyed by export name; an example whose name another file exports too is keyed by `where`.
const scenarios: Record<string, Scenario> = {
  ...caseScenarios,
  createGovernance: {
    async scope() {
      const db = await createTestDatabase();
      closers.push(() => db.drop());
      return { createGovernance, refund, process: { env: { DATABASE_URL: db.url } } };
    },
    async check(_scope, { gov, result }) {
      closers.push(() => (gov as Governance).close());
      expect(result).toMatchObject({ ok: true, proposal: { toolName: 'refund' } });
    },
  },
  createServer: {
    async scope() {
      const { gov } = await governance();
      const { token, tokenHash } = createToken();
      const readTokensFile = vi.fn(() => [{ tokenHash, actorId: 'dana' }]);
      return {
        createServer,
        gov,
        tokenDirectory,
        readTokensFile,
        process: { env: { PORT: '0' } },
        token,
      };
    },
    async check({ readTokensFile, token }, { server }) {
      const s = server as Awaited<ReturnType<typeof createServer>>;
      closers.push(() => s.close());
      expect(readTokensFile).toHaveBeenCalledWith('tokens.json');
      const address = s.addresses()[0]! as { port: number };
      const res = await fetch(`http://127.0.0.1:${address.port}/lanes`, {
        headers: { authorization: `Bearer ${token as string}` },
      });
      expect(res.status).toBe(200);
    },
  },
  replayLane: {
    async scope() {
      const { gov } = await governance();
      const proposed = await gov.propose('refund', 'agent-7', {
        input: { orderId: 'o-1', cents: 500 },
      });
      if (!proposed.ok) throw new Error('propose failed');
      const opened = await gov.requestApproval(proposed.proposal.id);
      if (!opened.ok) throw new Error('requestApproval failed');
      await gov.approve(opened.approval.id, 'dana');
      return { gov, approvalId: opened.approval.id };
    },
    check(_scope, { seen, replay }) {
      expect(replay).toMatchObject({ ok: true, status: 'approved', events: 1, consistent: true });
      expect(seen).toContain('@xstate.event');
    },
  },
  CountersignError: {
    async scope() {
      const { gov } = await governance();
      return { gov, isCountersignError, ctx: { input: {}, surprise: true }, log: vi.fn() };
    },
    check({ log }) {
      expect(log).toHaveBeenCalledWith('invalid_request');
    },
  },
  isCountersignError: {
    scope: () => ({ isCountersignError, e: databaseError(), retryLater: vi.fn() }),
    check: ({ retryLater }) => void expect(retryLater).toHaveBeenCalledOnce(),
  },
  ConfigurationError: {
    scope: () => ({
      isConfigurationError,
      e: new ConfigurationError('bad'),
      process: { exit: vi.fn() },
    }),
    check: ({ process }) =>
      void expect((process as { exit: unknown }).exit).toHaveBeenCalledWith(1),
  },
  isConfigurationError: {
    scope: () => ({ isConfigurationError, e: new ConfigurationError('bad') }),
    check: (_scope, { value }) => void expect(value).toBe(true),
  },
  DatabaseError: {
    scope: () => ({ isDatabaseError, e: databaseError(), console: { error: vi.fn() } }),
    check: ({ console, e }) =>
      void expect((console as { error: unknown }).error).toHaveBeenCalledWith(
        'propose',
        (e as DatabaseError).cause,
      ),
  },
  isDatabaseError: {
    scope: () => ({ isDatabaseError, e: databaseError() }),
    check: (_scope, { value }) => void expect(value).toBe(true),
  },
  InvalidRequestError: {
    scope: () => ({
      isInvalidRequestError,
      e: new InvalidRequestError('bad', []),
      console: { log: vi.fn() },
    }),
    check: ({ console }) => void expect((console as { log: unknown }).log).toHaveBeenCalledWith([]),
  },
  isInvalidRequestError: {
    scope: () => ({ isInvalidRequestError, e: new InvalidRequestError('bad', []) }),
    check: (_scope, { value }) => void expect(value).toBe(true),
  },
  LaneSnapshotError: {
    scope: () => ({
      isLaneSnapshotError,
      e: new LaneSnapshotError('malformed', 'lane-9', 'no context'),
      alert: vi.fn(),
    }),
    check: ({ alert }) =>
      void expect(alert).toHaveBeenCalledWith('lane lane-9 cannot be restored: malformed'),
  },
  isLaneSnapshotError: {
    scope: () => ({ isLaneSnapshotError, e: new LaneSnapshotError('malformed', 'l', 'x') }),
    check: (_scope, { value }) => void expect(value).toBe(true),
  },
  defineTool: {
    scope: () => ({ defineTool, z, payments: { refund: vi.fn() } }),
    async check({ payments }, { refund }) {
      const tool = refund as ReturnType<typeof defineTool>;
      expect(tool).toMatchObject({ name: 'refund', riskTier: 'high' });
      await tool.run({ orderId: 'o-1', cents: 5 }, {} as never);
      expect((payments as { refund: unknown }).refund).toHaveBeenCalledWith('o-1', 5);
    },
  },
  approvalLaneDefinition: {
    scope: () => ({ approvalLaneDefinition, writeFileSync: vi.fn() }),
    check({ writeFileSync }) {
      const [file, text] = (writeFileSync as ReturnType<typeof vi.fn>).mock.calls[0]!;
      expect(file).toBe('lane.json');
      expect(JSON.parse(text as string)).toMatchObject({
        id: 'approvalLane',
        initial: 'requested',
      });
    },
  },
  machineEdges: {
    scope: () => ({ machineEdges, approvalLaneDefinition }),
    check(_scope, { approvals }) {
      expect(approvals).toContainEqual(
        expect.objectContaining({ from: ['pending'], to: ['approved'], event: 'APPROVE' }),
      );
    },
  },
  machineMermaid: {
    scope: () => ({ machineMermaid, approvalLaneDefinition, writeFileSync: vi.fn() }),
    check({ writeFileSync }) {
      const [file, text] = (writeFileSync as ReturnType<typeof vi.fn>).mock.calls[0]!;
      expect(file).toBe('lane.mmd');
      expect(text).toMatch(/^stateDiagram-v2\n/);
      expect(text).toContain('state execution_pending {');
    },
  },
  restoreLaneSnapshot: {
    scope() {
      const opened = runPersistedCycle(approvalLaneMachine, { input: laneInput }, []);
      if (!opened.ok) throw new Error(opened.detail);
      return {
        restoreLaneSnapshot,
        createActor,
        approvalLaneMachine,
        machineId: 'countersign.approvalLane',
        machineVersion: 1,
        snapshot: opened.start.persisted,
      };
    },
    check: (_scope, { restored }) => void expect(restored).toMatchObject({ ok: true }),
  },
  runPersistedCycle: {
    scope: () => ({
      runPersistedCycle,
      approvalLaneMachine,
      input: laneInput,
      approveEvent: { type: 'APPROVE', actorId: 'dana', actorRoles: [], at: laneInput.at },
      save: vi.fn(),
    }),
    check({ save }) {
      const [persisted] = (save as ReturnType<typeof vi.fn>).mock.calls[0]!;
      expect(persisted).toMatchObject({ value: 'approved' });
    },
  },
};

describe('every @example in the public JSDoc runs', () => {
  it('finds the examples, and an example for every scenario', () => {
    expect(examples.length).toBeGreaterThanOrEqual(Object.keys(scenarios).length);
    const documented = new Set(examples.flatMap((e) => [e.name, e.where]));
    expect(Object.keys(scenarios).filter((key) => !documented.has(key))).toEqual([]);
  });

  it.each(examples.map((e) => [e.where, e] as const))('%s', async (_where, example) => {
    const scenario = scenarios[example.where] ?? scenarios[example.name];
    expect(scenario, `no scenario runs the example of ${example.where}`).toBeDefined();
    const scope = await scenario!.scope();
    const declared = await run(example.code, scope);
    await scenario!.check(scope, declared);
  });
});
