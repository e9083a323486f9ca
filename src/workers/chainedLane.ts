import { holdBackRedrives } from '../../persistence/dueLanes.repository.js';
import type { LaneForRun } from '../../persistence/lane.repository.js';
import type { EventRow } from '../../persistence/rows.js';
import type { JobOutcome } from '../../scheduler/laneJobs.js';
import { verifyChain } from '../audit/auditChain.js';
import { replayLaneRow } from '../audit/laneReplay.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import type { LaneState } from '../lanes/laneTransition.js';
import { publish } from '../telemetry.js';
import type { ToolDefinition } from '../tools/defineTool.js';
import type { ExecutionSettings } from './executionSettings.js';

/** A lane as its proposal's chain proves it, ready for a claim. */
export interface ChainedLane {
  /**
   * The lane as read, its row replaced by the one its chain leads to: status, execution
   * state, attempt, retry time and snapshot are the chain's. Its version (the chain's, which
   * the stored row shares) is the optimistic lock of the claim's write.
   */
  found: LaneForRun;
  /** The proposal's chain up to the head read with the lane. */
  prefix: EventRow[];
  /** The lane's events in it, its opening first. */
  events: EventRow[];
  /** The lane after its last event, as the lane machine replays it. */
  state: LaneState;
  /** Why the chain up to that head does not verify (broken, unsigned…); null when it does. */
  broken: string | null;
  /** The lane's approved tool version as registered here, if it is. */
  tool: ToolDefinition | undefined;
}

/** Whether a lane may be claimed now: the chain's lane, or what the job does instead. */
export type Claimable = { ok: true; lane: ChainedLane } | { ok: false; outcome: JobOutcome };

/** The step a claim acts on: `approved` (resume, then claim) or queued (execution). */
export type ClaimStep = 'resume' | 'execution';

const skipped = (reason: string): Claimable => ({
  ok: false,
  outcome: { status: 'skipped', reason },
});

/**
 * Reads a lane with its proposal's chain and decides from the chain alone whether a claim
 * may act on it now: the lane's events, replayed through the lane machine, must lead to
 * exactly the stored row (its mirrored columns and snapshot), and to the claim's step
 * (approved, or queued with its retry due). A queued lane that has been claimed before is
 * claimed again only by the retry rule: an idempotent tool, fewer than `maxAttempts`
 * attempts in the chain. A lane failing either runs nothing and is written nothing; it is
 * published (`laneInconsistent`) and held back from the reconciler's re-drives for good.
 */
export async function claimableLane(
  rt: GovernanceRuntime,
  settings: ExecutionSettings,
  laneId: string,
  step: ClaimStep,
): Promise<Claimable> {
  const read = await rt.laneStore.readForRun(laneId);
  if (!read) return { ok: false, outcome: { status: 'not_found' } };
  // Events read after the lane may run past the head it was read with; the prefix up to that
  // head is what the claim's write will extend.
  const prefix = read.chain.filter((e) => e.seq <= read.head.seq);
  const events = prefix.filter((e) => e.approvalId === laneId);
  const replayed = replayLaneRow(read.lane, events, {
    proposalId: read.lane.proposalId,
    proposerId: read.proposerId,
  });
  if (!replayed.ok) return inconsistent(rt, read, step, replayed.detail);
  const lane = replayed.row;
  const found: LaneForRun = { ...read, lane };
  const queued = lane.status === 'execution_pending' && lane.executionState === 'queued';
  if (step === 'resume' ? lane.status !== 'approved' : !queued)
    return skipped(`lane is ${lane.status}`);
  const tool = rt.registry.byVersion(read.toolName, read.toolVersion);
  // A worker without the tool claims nothing it could run (see executeLane).
  if (lane.attempt > 0 && tool && !(tool.idempotent && lane.attempt < settings.maxAttempts))
    return inconsistent(rt, read, step, `the chain holds ${lane.attempt} attempts already`);
  if (lane.retryAt && Date.parse(lane.retryAt) > rt.now().getTime())
    return skipped('retry not due');
  const chain = verifyChain(prefix, read.head, { keys: rt.audit });
  return {
    ok: true,
    lane: {
      found,
      prefix,
      events,
      state: replayed.states.at(-1)!,
      broken: chain.ok ? null : chain.problem,
      tool,
    },
  };
}

/** Reports a lane whose row and chain part, and keeps the reconciler from handing it on. */
async function inconsistent(
  rt: GovernanceRuntime,
  read: LaneForRun,
  step: ClaimStep,
  detail: string,
): Promise<Claimable> {
  const { id: laneId, proposalId } = read.lane;
  publish('laneInconsistent', { laneId, proposalId, step, detail });
  await rt.withEm('hold back redrives', (em) => holdBackRedrives(em, laneId));
  return skipped(`inconsistent: ${detail}`);
}
