import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import { createServer, createToken, defineTool, tokenDirectory } from '../../../src/index.js';
import type {
  CountersignServer,
  GovernanceOptions,
  ServerOptions,
  TokenEntry,
  ToolDefinition,
} from '../../../src/index.js';
import type { WorkerSuite } from '../../workers/support/workerHarness.js';
import { useWorkerSuite } from '../../workers/support/workerHarness.js';
import type { Sql } from '../../workers/support/sideEffectTools.js';
import { createSideEffectTable, recordRun } from '../../workers/support/sideEffectTools.js';

/** The suite's people: an agent that proposes, two approvers, and one without the role. */
export const people = {
  agent: { actorId: 'agent-7', scopes: ['ship:write'], roles: [] },
  approver: { actorId: 'reviewer-1', scopes: [], roles: ['approver'] },
  approver2: { actorId: 'reviewer-2', scopes: [], roles: ['approver'] },
  noRole: { actorId: 'intern-3', scopes: ['ship:write'], roles: [] },
} as const;

export type Person = keyof typeof people;

/**
 * `ship` (high risk, needs approval and `ship:write`; an approver may edit `qty`) and
 * `lookup` (auto): both record runs.
 */
export function httpTools(sql: Sql): ToolDefinition[] {
  const input = z.object({ tag: z.string().min(1), qty: z.number().int().positive().optional() });
  return [
    defineTool({
      name: 'ship',
      input,
      riskTier: 'high',
      approvalMode: 'requires_approval',
      requiredScopes: ['ship:write'],
      editableOnApproval: ['qty'],
      run: async ({ tag, qty }, ctx) => {
        await recordRun(sql, tag, ctx, qty === undefined ? null : `qty=${qty}`);
        return { shipped: tag, laneId: ctx.laneId, proposalId: ctx.proposalId };
      },
    }),
    defineTool({
      name: 'lookup',
      input,
      riskTier: 'low',
      approvalMode: 'auto',
      run: async ({ tag }, ctx) => {
        await recordRun(sql, tag, ctx);
        return { found: tag };
      },
    }),
  ];
}

/** A JSON body as tests read it: any field, the assertions check it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

export interface HttpSuite {
  h: WorkerSuite;
  server: CountersignServer;
  base: string;
  tokens: Record<Person, string>;
  /** A request as `who` (a person, a raw token, or null for none); JSON in and out. */
  call(
    who: Person | { token: string } | null,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: JsonBody; headers: Headers }>;
}

/** A worker suite with a real server listening on a loopback port, tokens for `people`. */
export function useHttpSuite(
  options: {
    startWorkers?: boolean;
    server?: Partial<ServerOptions>;
    governance?: Partial<GovernanceOptions>;
    /** The governance's tools. @default httpTools */
    tools?: (sql: Sql) => ToolDefinition[];
  } = {},
): HttpSuite {
  const tokens = {} as Record<Person, string>;
  const entries: TokenEntry[] = Object.entries(people).map(([name, actor]) => {
    const { token, tokenHash } = createToken();
    tokens[name as Person] = token;
    return { tokenHash, ...actor, scopes: [...actor.scopes], roles: [...actor.roles] };
  });
  const byActor = new Map(Object.values(people).map((p) => [p.actorId, p]));
  const h = useWorkerSuite({
    tools: options.tools ?? httpTools,
    startWorkers: options.startWorkers ?? true,
    overrides: {
      approverRoles: { high: 'approver' },
      resolveActor: (id) => byActor.get(id as never) ?? null,
      ...options.governance,
    },
  });
  const suite = { h, tokens } as HttpSuite;
  beforeAll(async () => {
    await createSideEffectTable(h.sql);
    suite.server = await createServer(h.gov, {
      resolveToken: tokenDirectory(entries),
      ...options.server,
    });
    const address = await suite.server.listen({ port: 0, host: '127.0.0.1' });
    suite.base = address;
  });
  afterAll(async () => {
    await suite.server?.close();
  });
  suite.call = async (who, method, path, body) => {
    const token = who === null ? null : typeof who === 'string' ? tokens[who] : who.token;
    const res = await fetch(`${suite.base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the text itself
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return suite;
}
