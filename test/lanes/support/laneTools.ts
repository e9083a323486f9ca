import { z } from 'zod';
import { defineTool } from '../../../src/index.js';
import type {
  ActorIdentity,
  GovernanceOptions,
  LaneJobRequest,
  ToolDefinition,
} from '../../../src/index.js';

/** How often each tool's `run` was called; the lane runtime must never call it. */
export interface RunCounter {
  runs: number;
}

export const refundInput = z.object({ orderId: z.string().min(1), cents: z.number().int() });

/** A requires_approval tool, an auto tool and an always_block tool. */
export function laneTools(counter: RunCounter): ToolDefinition[] {
  const counted = (result: unknown) => () => {
    counter.runs += 1;
    return result;
  };
  return [
    defineTool({
      name: 'refund',
      input: refundInput,
      riskTier: 'high',
      approvalMode: 'requires_approval',
      requiredScopes: ['payments:write'],
      run: counted({ refunded: true }),
    }),
    defineTool({
      name: 'ping',
      input: z.object({ host: z.string() }),
      riskTier: 'low',
      approvalMode: 'auto',
      run: counted('pong'),
    }),
    defineTool({
      name: 'wipe',
      input: z.object({ table: z.string() }),
      riskTier: 'critical',
      approvalMode: 'always_block',
      run: counted(null),
    }),
  ];
}

/** The role each risk tier's approver must hold. */
export const approverRoles = { high: 'payments-approver', critical: 'cto' } as const;

/**
 * The host's directory (`admin` may expire lanes): `alice` proposes, `bob` and `carol` may approve refunds, `dave` is
 * known but holds no approver role; anyone else is unknown.
 */
const directory: Record<string, ActorIdentity> = {
  alice: { scopes: ['payments:write'], roles: ['agent'] },
  bob: { scopes: [], roles: ['payments-approver'] },
  carol: { scopes: [], roles: ['payments-approver', 'cto'] },
  dave: { scopes: [], roles: ['support'] },
  admin: { scopes: [], roles: ['lane-admin'] },
};

export function resolveActor(actorId: string): ActorIdentity | null {
  return directory[actorId] ?? null;
}

/**
 * `createGovernance` options for the lane suites (and their child processes): the lane tools,
 * the directory and approver roles, with every enqueued job pushed to `jobs`.
 */
export function laneOptions(
  databaseUrl: string,
  counter: RunCounter,
  jobs: LaneJobRequest[],
): GovernanceOptions {
  return {
    tools: laneTools(counter),
    databaseUrl,
    enqueue: (job) => {
      jobs.push(job);
    },
    resolveActor,
    approverRoles,
    expireRole: 'lane-admin',
  };
}
