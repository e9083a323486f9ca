import type { AuthorizeDecision, ToolDefinition } from '../tools/defineTool.js';
import type { ProposalRequest } from './proposalRequest.js';

// Gate 3: the tool's own policy. Sync when the policy is: a promise per call is a large part
// of a microsecond-scale pipeline.

function judge(decision: unknown): AuthorizeDecision {
  if (decision && typeof decision === 'object' && 'allow' in decision) {
    if (decision.allow === true) return { allow: true };
    if (decision.allow === false) {
      const reason = 'reason' in decision && typeof decision.reason === 'string';
      return { allow: false, reason: reason ? String(decision.reason) : 'denied by policy' };
    }
  }
  return { allow: false, reason: 'authorize returned an invalid decision' };
}

// Fail closed: a policy that cannot answer denies. What it threw may hold anything (a
// connection string, the input), so neither the agent nor the trail is told more.
function failClosed(): AuthorizeDecision {
  return { allow: false, reason: 'authorize_failed' };
}

/** The tool's policy decision for the call; null when the tool has no policy. */
export function runAuthorize(
  tool: ToolDefinition,
  req: ProposalRequest,
  input: unknown,
): AuthorizeDecision | null | Promise<AuthorizeDecision> {
  if (!tool.authorize) return null;
  const { scopes, conversationId, caseId } = req.context;
  const ctx = {
    tool: { name: tool.name, version: tool.version, riskTier: tool.riskTier },
    scopes,
    conversationId,
    caseId,
  };
  try {
    const decision: unknown = tool.authorize(req.actorId, input, ctx);
    const thenable = typeof (decision as PromiseLike<unknown> | null)?.then === 'function';
    return thenable ? Promise.resolve(decision).then(judge, failClosed) : judge(decision);
  } catch {
    return failClosed();
  }
}
