import { z } from 'zod';
import { parseProposalRequest } from '../../src/pipeline/proposalRequest.js';
import { runPipeline } from '../../src/pipeline/validate.js';
import type { PipelineLimits, ValidationResult } from '../../src/pipeline/validate.js';
import { defineTool } from '../../src/tools/defineTool.js';
import type { AuthorizeDecision, ToolDefinition, ToolSpec } from '../../src/tools/defineTool.js';
import { ToolRegistry } from '../../src/tools/toolRegistry.js';

export const defaultLimits: PipelineLimits = { maxInputBytes: 262_144 };

export const transferInput = z.object({
  account: z.string().trim().min(1),
  cents: z.number().int().positive(),
  memo: z.string().default('none'),
});

type TransferSpec = ToolSpec<typeof transferInput>;

/** A transfer tool needing `bank:write`; `authorize` is replaceable per test. */
export function transferTool(overrides: Partial<TransferSpec> = {}): ToolDefinition {
  return defineTool({
    name: 'transfer',
    version: '2',
    input: transferInput,
    riskTier: 'critical',
    approvalMode: 'requires_approval',
    requiredScopes: ['bank:write', 'bank:read'],
    authorize: () => ({ allow: true }),
    run: () => 'sent',
    ...overrides,
  }) as ToolDefinition;
}

/** An `authorize` returning something that is not a decision, as untyped host code might. */
export function invalidAuthorize(value: unknown): () => AuthorizeDecision {
  return () => value as AuthorizeDecision;
}

export const bank = { scopes: ['bank:read', 'bank:write'] };
export const goodTransfer = { account: ' acc-1 ', cents: 500 };

/** Parses the call as the facade does and runs the pure pipeline over `tools`. */
export function check(
  tools: readonly ToolDefinition[],
  toolRef: unknown,
  context: unknown,
  limits: PipelineLimits = defaultLimits,
  actorId: unknown = 'agent-7',
): Promise<ValidationResult> {
  const registry = new ToolRegistry(tools);
  const req = parseProposalRequest(toolRef, actorId, context);
  // Like the facade: the pipeline's answer, always as a promise.
  return (async () => runPipeline(registry, req, limits))();
}

/** The blocked branch of a result; fails the test when it passed. */
export function blockedOf(result: ValidationResult) {
  if (result.ok) throw new Error(`expected a blocked result, got ${JSON.stringify(result)}`);
  return result;
}

/** The passed branch of a result; fails the test when it was blocked. */
export function attrsOf(result: ValidationResult) {
  if (!result.ok) throw new Error(`expected a pass, got ${JSON.stringify(result)}`);
  return result.attrs;
}
