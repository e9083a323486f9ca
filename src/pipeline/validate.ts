import { z } from 'zod';
import { canonicalJson } from '../canonicalJson.js';
import type { JsonValue } from '../canonicalJson.js';
import type { ApprovalMode, RiskTier, ToolDefinition } from '../tools/defineTool.js';
import type { ToolRegistry } from '../tools/toolRegistry.js';
import { costOf } from '../tools/defineTool.js';
import type { ApprovalPoint, CasePath, CasePolicyRef } from '../../machines/caseTypes.js';
import type { ApprovalQuorum } from '../../machines/laneTypes.js';
import { checkCaseGates } from '../cases/caseGates.js';
import { runAuthorize } from './authorizeGate.js';
import type { CaseSnapshot } from '../cases/caseGates.js';
import type { ProposalRequest } from './proposalRequest.js';
import { boundedJsonSize, unfaithfulJson } from './faithfulJson.js';
import { storabilityIssues } from './storableJson.js';

/** Why a proposal was blocked; the order of the gates is the precedence. */
export type BlockedOutcome =
  | 'unsupported'
  | 'needs_input'
  | 'scope_invalid'
  | 'policy_denied'
  | 'case_closed'
  | 'allowlist_violation'
  | 'budget_exceeded';

/** The tool as it was when the proposal was judged. */
export interface ToolSnapshot {
  name: string;
  version: string;
  riskTier: RiskTier;
  approvalMode: ApprovalMode;
  requiredScopes: string[];
  cost: number;
  timeoutMs: number;
  idempotent: boolean;
  /** Present on tools that need several approvers. */
  approvals?: ApprovalQuorum;
}

/** Who proposed, with what scopes, in which conversation or case, and what policy said. */
export interface ActorSnapshot {
  actorId: string;
  scopes: string[];
  conversationId: string | null;
  caseId: string | null;
  policy: 'allowed' | 'no_policy' | 'denied' | 'not_reached';
  /** In a case: the region of the run the call was made in. */
  casePath?: CasePath;
  /** In a case: the policy version the call was judged under (part of its call digest). */
  casePolicy?: CasePolicyRef;
  /** In a case: the mandatory approval point that routed an `auto` call to approval. */
  approvalPoint?: ApprovalPoint;
}

/** Everything `propose` stores for a call that passed every gate. */
export interface ValidatedAttrs {
  riskTier: RiskTier;
  approvalMode: ApprovalMode;
  toolSnapshot: ToolSnapshot;
  /** The parsed input as canonical JSON: what is stored, hashed and later run. */
  inputSnapshot: JsonValue;
  actorSnapshot: ActorSnapshot;
}

/** What `validate` returns: every gate passed, or the first gate that blocked. */
export type ValidationResult =
  | { ok: true; attrs: ValidatedAttrs }
  | {
      ok: false;
      outcome: BlockedOutcome;
      reason: string;
      issues?: z.core.$ZodIssue[];
      /** The resolved tool, or null when gate 0 could not resolve one. */
      tool: ToolSnapshot | null;
      /** The validated input, for calls blocked after the input gate; otherwise null. */
      inputSnapshot: JsonValue | null;
      actor: ActorSnapshot;
    };

/** Limits the pipeline applies besides the tool's own schema. */
export interface PipelineLimits {
  maxInputBytes: number;
}

type Blocked = Extract<ValidationResult, { ok: false }>;

function blocked(
  req: ProposalRequest,
  outcome: BlockedOutcome,
  reason: string,
  tool: ToolSnapshot | null,
  extra: {
    issues?: z.core.$ZodIssue[];
    inputSnapshot?: JsonValue;
    policy?: ActorSnapshot['policy'];
    kase?: CaseSnapshot | null;
  } = {},
): Blocked {
  return {
    ok: false,
    outcome,
    reason,
    ...(extra.issues ? { issues: extra.issues } : {}),
    tool,
    inputSnapshot: extra.inputSnapshot ?? null,
    actor: snapshotActor(req, extra.policy ?? 'not_reached', extra.kase ?? null),
  };
}

const issue = (path: PropertyKey[], message: string): z.core.$ZodIssue => ({
  code: 'custom',
  path,
  message,
  input: undefined,
});

/**
 * Canonical JSON of a parsed input, or the issue that keeps it from having one: only plain
 * JSON is stored and hashed, so two inputs that differ never collapse into one text.
 */
function jsonText(value: unknown): { text: string } | { issue: z.core.$ZodIssue } {
  const unfaithful = unfaithfulJson(value);
  if (unfaithful) {
    return { issue: issue(unfaithful.path, `${unfaithful.found} has no faithful JSON form`) };
  }
  try {
    return { text: canonicalJson(value) };
  } catch {
    // A Date's own toJSON, or a Proxy that answers differently the second time it is read.
    return { issue: issue([], 'the input throws when it is written as JSON') };
  }
}

/** Why the raw input is not worth parsing (too large, or it throws when read), if it is not. */
function rawInputIssue(input: unknown, rawLimit: number): z.core.$ZodIssue | null {
  try {
    if (boundedJsonSize(input, rawLimit) <= rawLimit) return null;
    return issue([], `input is larger than ${rawLimit} bytes as JSON; not parsed`);
  } catch {
    // A Proxy's trap or a getter threw: the host's value cannot be read, let alone stored.
    return issue([], 'the input throws when it is read; not parsed');
  }
}

/** The tool as judged; `cost` is what running it on this input costs (0 before the input parses). */
export function snapshotTool(tool: ToolDefinition, cost = 0): ToolSnapshot {
  return {
    name: tool.name,
    version: tool.version,
    riskTier: tool.riskTier,
    approvalMode: tool.approvalMode,
    requiredScopes: [...tool.requiredScopes],
    cost,
    timeoutMs: tool.timeoutMs,
    idempotent: tool.idempotent,
    ...(tool.approvals ? { approvals: tool.approvals } : {}),
  };
}

function snapshotActor(
  req: ProposalRequest,
  policy: ActorSnapshot['policy'],
  kase: CaseSnapshot | null,
  approvalPoint: ApprovalPoint | null = null,
): ActorSnapshot {
  const { actorId } = req;
  const { scopes, conversationId, caseId, casePath } = req.context;
  if (!kase) return { actorId, scopes, conversationId, caseId, policy };
  const casePolicy = kase.policyRef;
  const inCase = { actorId, scopes, conversationId, caseId, policy, casePath, casePolicy };
  return approvalPoint ? { ...inCase, approvalPoint } : inCase;
}

// Sync where the schema and the policy are: an await per gate is a large part of a
// microsecond-scale pipeline, so only async schemas and policies pay for one.
function parseInput(tool: ToolDefinition, input: unknown) {
  try {
    return tool.input.safeParse(input);
  } catch (error) {
    // A schema with async refinements refuses the sync parse.
    if (error instanceof z.core.$ZodAsyncError) return tool.input.safeParseAsync(input);
    throw error;
  }
}

/** A value, or a promise of one: most schemas and policies answer synchronously. */
export type MaybeAsync<T> = T | Promise<T>;

/** Applies `next` to `value` now, or once it resolves. */
export function andThen<A, B>(value: MaybeAsync<A>, next: (a: A) => MaybeAsync<B>): MaybeAsync<B> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * The validation pipeline. Pure: it reads no database and writes nothing, so it can be
 * called any number of times. The gate order below is the precedence; never reorder it.
 * It answers synchronously unless the tool's schema or policy is async: a promise per call
 * is a large part of a microsecond-scale pipeline.
 */
export function runPipeline(
  registry: ToolRegistry,
  req: ProposalRequest,
  limits: PipelineLimits,
  kase: CaseSnapshot | null = null,
): MaybeAsync<ValidationResult> {
  // Gate 0: resolve the tool.
  const tool = registry.resolve(req.toolRef);
  if (!tool) return blocked(req, 'unsupported', 'unknown_tool', null);

  // Gate 1: the input is of a size worth parsing, parses, and what it parses to can be stored.
  const rawIssue = rawInputIssue(req.context.input, limits.maxInputBytes * 2);
  if (rawIssue) {
    return blocked(req, 'needs_input', 'invalid_input', snapshotTool(tool), {
      issues: [rawIssue],
    });
  }
  return andThen(parseInput(tool, req.context.input), (parsed) => {
    if (!parsed.success) {
      return blocked(req, 'needs_input', 'invalid_input', snapshotTool(tool), {
        issues: parsed.error.issues,
      });
    }
    const json = jsonText(parsed.data);
    const storeIssues =
      'issue' in json
        ? [json.issue]
        : storabilityIssues(parsed.data, json.text, limits.maxInputBytes);
    if (!('text' in json) || storeIssues.length > 0) {
      return blocked(req, 'needs_input', 'invalid_input', snapshotTool(tool), {
        issues: storeIssues,
      });
    }
    const inputSnapshot = JSON.parse(json.text) as JsonValue;
    const cost = costOf(tool, parsed.data);
    const judged = snapshotTool(tool, cost ?? 0);

    // Gate 2: the actor holds every required scope.
    const missing = tool.requiredScopes.filter((s) => !req.context.scopes.includes(s));
    if (missing.length > 0) {
      const reason = `missing scopes: ${missing.join(', ')}`;
      return blocked(req, 'scope_invalid', reason, judged, { inputSnapshot, kase });
    }

    // Gate 3: the tool's policy allows it.
    return andThen(runAuthorize(tool, req, parsed.data), (decision): ValidationResult => {
      if (decision && !decision.allow) {
        return blocked(req, 'policy_denied', decision.reason, judged, {
          inputSnapshot,
          policy: 'denied',
          kase,
        });
      }
      const policy = decision ? 'allowed' : 'no_policy';

      // A cost that cannot be computed fails closed, like a policy that cannot answer.
      if (cost === null) {
        return blocked(req, 'policy_denied', 'cost_failed', judged, {
          inputSnapshot,
          policy,
          kase,
        });
      }

      // Gates 4 and 5, in a case: closed, allowlist, budget; a mandatory approval point routes.
      const gate = kase ? checkCaseGates(kase, tool.name, req.context.casePath, cost) : null;
      if (gate && !gate.ok) {
        return blocked(req, gate.outcome, gate.reason, judged, { inputSnapshot, policy, kase });
      }
      const point = gate?.approvalPoint ?? null;
      const approvalMode =
        point && tool.approvalMode === 'auto' ? 'requires_approval' : tool.approvalMode;

      return {
        ok: true,
        attrs: {
          riskTier: tool.riskTier,
          approvalMode,
          // The snapshot records the mode the call is governed by, routed or not: the call
          // digest is computed from it, and recomputed by the worker the same way.
          toolSnapshot: approvalMode === judged.approvalMode ? judged : { ...judged, approvalMode },
          inputSnapshot,
          actorSnapshot: snapshotActor(req, policy, kase, point),
        },
      };
    });
  });
}
