import type { GovernanceRuntime } from '../governanceRuntime.js';
import { publish } from '../telemetry.js';
import type { ProposalRequest } from './proposalRequest.js';
import { andThen, runPipeline } from './validate.js';
import type { MaybeAsync, ValidationResult } from './validate.js';

/** Runs the pipeline and reports its verdict on the `validated` / `blocked` channels. */
export function validateCall(
  rt: GovernanceRuntime,
  req: ProposalRequest,
): MaybeAsync<ValidationResult> {
  return andThen(runPipeline(rt.registry, req, rt.limits), (result) => report(req, result));
}

function report(req: ProposalRequest, result: ValidationResult): ValidationResult {
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
