import type { CaseSnapshot } from '../cases/caseGates.js';
import type { CaseRecord } from '../cases/caseStore.js';
import { InvalidRequestError } from '../errors/invalidRequestError.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { publish } from '../telemetry.js';
import type { ProposalRequest } from './proposalRequest.js';
import { andThen, runPipeline } from './validate.js';
import type { MaybeAsync, ValidationResult } from './validate.js';

/**
 * Runs the pipeline and reports its verdict on the `validated` / `blocked` channels. A call
 * in a case is judged against `kase`, by default the case as read now (its policy body comes
 * from the cache); a case that does not exist is the caller's mistake, refused before
 * anything is written.
 */
export function validateCall(
  rt: GovernanceRuntime,
  req: ProposalRequest,
  kase?: CaseRecord | null,
): MaybeAsync<ValidationResult> {
  const { caseId } = req.context;
  if (caseId === null) {
    return andThen(runPipeline(rt.registry, req, rt.limits), (result) => report(req, result));
  }
  const judged =
    kase === undefined ? readCase(rt, caseId) : Promise.resolve(caseSnapshot(kase, caseId));
  return judged.then((snapshot) =>
    andThen(runPipeline(rt.registry, req, rt.limits, snapshot), (result) => report(req, result)),
  );
}

/** The case a call is judged against, as read now; an unknown case is an invalid request. */
export async function readCase(rt: GovernanceRuntime, caseId: string): Promise<CaseSnapshot> {
  return caseSnapshot(await rt.cases.read(caseId), caseId);
}

/** What the gates see of a case; an unknown case is an invalid request. */
function caseSnapshot(found: CaseRecord | null, caseId: string): CaseSnapshot {
  if (!found) {
    throw new InvalidRequestError(`invalid proposal request: no case ${caseId}`, [
      { code: 'custom', path: ['context', 'caseId'], message: 'unknown case', input: caseId },
    ]);
  }
  return {
    caseId,
    status: found.row.status as CaseSnapshot['status'],
    policyRef: found.context.policy,
    policy: found.policy,
    ledger: found.context.ledger,
  };
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
