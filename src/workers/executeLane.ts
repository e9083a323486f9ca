import { SpanStatusCode } from '@opentelemetry/api';
import { inSpan } from '../tracing.js';
import type { LaneEvent, LaneFailure } from '../../machines/laneTypes.js';
import { jobNames } from '../../scheduler/laneJobs.js';
import type { JobOutcome } from '../../scheduler/laneJobs.js';
import { canonicalJson, inputHash } from '../canonicalJson.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import { applyLaneEvents } from '../lanes/applyLaneEvents.js';
import { claimDigest, runAuthority } from './authorizeRun.js';
import { claimableLane } from './chainedLane.js';
import { inputToRun, laneCallDigest } from '../lanes/laneCall.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import { unfaithfulJson } from '../pipeline/faithfulJson.js';
import { storabilityIssues } from '../pipeline/storableJson.js';
import { publish } from '../telemetry.js';
import { costOf } from '../tools/defineTool.js';
import type { ToolDefinition } from '../tools/defineTool.js';
import { runHold } from '../cases/laneCharges.js';
import type { CaseCharge } from '../cases/laneCharges.js';
import type { ExecutionSettings } from './executionSettings.js';
import { runWithDeadline } from './runTool.js';

const MAX_RESULT_BYTES = 1_048_576;

/**
 * What a failed attempt leads to: an idempotent tool with attempts left is retried (with
 * backoff, same idempotency key); anything else fails the lane.
 */
export function failureEvent(
  tool: ToolDefinition | undefined,
  attempt: number,
  failure: LaneFailure,
  at: Date,
  settings: ExecutionSettings,
): LaneEvent {
  if (tool?.idempotent && attempt < settings.maxAttempts) {
    const delay = settings.retryBackoffMs * 2 ** (attempt - 1);
    const retryAt = new Date(at.getTime() + delay).toISOString();
    return { type: 'EXECUTION_RETRY', failure, retryAt, at: at.toISOString() };
  }
  return { type: 'EXECUTION_FAILED', failure, at: at.toISOString() };
}

/**
 * The result as it will be stored, or why it cannot be: it must be plain JSON (a Date is
 * taken as its `toJSON`), storable, and at most 1 MiB.
 */
export function storableResult(
  result: unknown,
): { ok: true; value: unknown } | { ok: false; failure: LaneFailure } {
  const unstorable = (message: string) =>
    ({ ok: false, failure: { code: 'result_unstorable', message } }) as const;
  const unfaithful = unfaithfulJson(result, { toJson: true });
  if (unfaithful) {
    const where = unfaithful.path.length > 0 ? ` at ${unfaithful.path.join('.')}` : '';
    return unstorable(`the result holds ${unfaithful.found}${where}, which has no JSON form`);
  }
  const text = canonicalJson(result);
  const issues = storabilityIssues(result, text, MAX_RESULT_BYTES);
  if (issues.length > 0) return unstorable(issues[0]!.message);
  return { ok: true, value: JSON.parse(text) };
}

/**
 * Runs a lane's tool: claim (committed before `run` is called), check that the input about
 * to run hashes to what was approved, run under the tool's deadline, then record the result
 * or the failure. The only caller of a tool's `run`. The lane's state is its chain's (see
 * claimableLane), the row only the write's lock. With `resume`, the lane must be
 * approved and the RESUME is written in the claim's statement; its execution job is not
 * enqueued, since this is that execution (a crash in between leaves a queued lane, which the
 * reconciler re-drives).
 */
export async function executeLane(
  rt: GovernanceRuntime,
  settings: ExecutionSettings,
  laneId: string,
  enqueue: Enqueue,
  options: { resume?: boolean } = {},
): Promise<JobOutcome> {
  // The lane's state comes from its chain, replayed; the row must agree, or nothing runs.
  const step = options.resume ? 'resume' : 'execution';
  const claimable = await claimableLane(rt, settings, laneId, step);
  if (!claimable.ok) return claimable.outcome;
  const { found, tool } = claimable.lane;
  const { lane } = found;
  const now = rt.now();
  if (!tool && now.getTime() - Date.parse(lane.updatedAt) < settings.toolUnavailableAfterMs) {
    // Not claimed: the reconciler hands the lane on again, perhaps to a worker that has it.
    return { status: 'skipped', reason: 'tool version not registered here' };
  }
  const leaseMs = (tool?.timeoutMs ?? 0) + settings.leaseGraceMs;
  const at = now.toISOString();
  // The authority to run comes from the chain, never from the lane's status alone; the
  // input is the approved edit, if any, checked against the chain like the proposal's.
  const input = inputToRun(found);
  const hash = inputHash(input);
  const authority = runAuthority(claimable.lane, hash, tool?.approvalMode === 'auto');
  const claimEvent: LaneEvent = {
    type: 'EXECUTION_CLAIMED',
    inputHash: hash,
    callDigest: claimDigest(authority, tool ? laneCallDigest(tool, found, input) : null),
    leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
    at,
  };
  const events: LaneEvent[] = options.resume
    ? [{ type: 'RESUME', actorId: 'system', at }, claimEvent]
    : [claimEvent];
  const notThisExecution: Enqueue = (job) =>
    job.name === jobNames['tool-execution'] && !job.runAt ? undefined : enqueue(job);
  // In a case, the claim reserves the run's hold in the same statement (see laneCharges).
  const cost = tool ? costOf(tool, input) : null;
  const path = found.casePath ?? '/';
  const charge: CaseCharge | undefined =
    tool && cost !== null
      ? { amountOf: (record) => runHold(record, tool, cost, path, now) }
      : undefined;
  // A claim that lost a race is judged again only against the lane as its chain now is.
  let refusal: JobOutcome | undefined;
  const claim = await applyLaneEvents(rt, laneId, events, {
    enqueue: notThisExecution,
    known: found,
    charge,
    reread: async () => {
      const again = await claimableLane(rt, settings, laneId, step);
      if (again.ok) return again.lane.found;
      refusal = again.outcome;
      return null;
    },
  });
  if (!claim.result.ok) return refusal ?? { status: 'skipped', reason: claim.result.error };
  const claimed = claim.result.approval;
  if (claimed.status !== 'execution_pending') {
    return { status: 'applied', laneStatus: claimed.status };
  }

  let event: LaneEvent;
  let usedMs: number | undefined;
  if (!tool) {
    const failure = {
      code: 'tool_unavailable',
      message: `${found.toolName}@${found.toolVersion} is not registered here`,
    };
    event = { type: 'EXECUTION_FAILED', failure, at: rt.now().toISOString() };
  } else {
    const started = performance.now();
    const ran = await inSpan(
      'countersign.tool.run',
      {
        'countersign.tool': tool.name,
        'countersign.lane_id': laneId,
        'countersign.attempt': claimed.attempt,
      },
      async (span) => {
        const outcome = await runWithDeadline(
          tool,
          input,
          {
            idempotencyKey: `countersign:${laneId}`,
            attempt: claimed.attempt,
            laneId,
            proposalId: found.lane.proposalId,
            caseId: found.caseId,
          },
          claim.reserved?.timeMs ?? tool.timeoutMs,
        );
        if (!outcome.ok)
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.failure.code });
        return outcome;
      },
    );
    usedMs = performance.now() - started;
    const stored = ran.ok ? storableResult(ran.result) : ran;
    publish('executionFinished', {
      laneId,
      attempt: claimed.attempt,
      ok: stored.ok,
      ...(stored.ok ? {} : { failure: stored.failure }),
      ...(!ran.ok && ran.error !== undefined ? { error: ran.error } : {}),
    });
    event = stored.ok
      ? { type: 'EXECUTION_SUCCEEDED', result: stored.value, at: rt.now().toISOString() }
      : failureEvent(tool, claimed.attempt, stored.failure, rt.now(), settings);
  }
  const settled = await record(rt, laneId, event, enqueue, claim.lane, { usedMs });
  if (!settled.result.ok) return { status: 'skipped', reason: settled.result.error };
  return { status: 'applied', laneStatus: settled.result.approval.status };
}

/**
 * Records how a run ended. A tool ran, so its lane must not stay `running`: should the
 * record itself be refused (a value the database will not take), the run is recorded as
 * failed with `outcome_unrecorded` instead, the reason going to telemetry.
 */
async function record(
  rt: GovernanceRuntime,
  laneId: string,
  event: LaneEvent,
  enqueue: Enqueue,
  known: LaneWithProposal | null,
  charge: CaseCharge,
) {
  // Measured run time (a monotonic clock: wall time can jump) settles the case's hold.
  try {
    return await applyLaneEvents(rt, laneId, [event], { enqueue, known, charge });
  } catch (error) {
    publish('executionFinished', { laneId, ok: false, error, recorded: false });
    const failure = {
      code: 'outcome_unrecorded',
      message: 'the run ended but its outcome could not be stored',
    };
    const failed: LaneEvent = { type: 'EXECUTION_FAILED', failure, at: rt.now().toISOString() };
    return applyLaneEvents(rt, laneId, [failed], { enqueue, known, charge });
  }
}
