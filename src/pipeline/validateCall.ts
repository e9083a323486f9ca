import type { GovernanceRuntime } from '../governanceRuntime.js';
import { publish } from '../telemetry.js';
import type { ProposalRequest } from './proposalRequest.js';
import { runPipeline } from './validate.js';
import type { ValidationResult } from './validate.js';

/** Runs the pipeline and reports its verdict on the `validated` / `blocked` channels. */
export async function validateCall(
  rt: GovernanceRuntime,
  req: ProposalRequest,
): Promise<ValidationResult> {
  const result = await runPipeline(rt.registry, req, rt.limits);
  if (result.ok) {
    publish('validated', { tool: result.attrs.toolSnapshot.name, actorId: req.actorId });
  } else {
    publish('blocked', {
      tool: result.tool?.name ?? null,
      actorId: req.actorId,
      outcome: result.outcome,
      reason: result.reason,
    });
  }
  return result;
}
