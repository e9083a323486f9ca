import { randomUUID } from 'node:crypto';
import type { BudgetAmount } from '../../machines/caseTypes.js';
import type { LaneEffect, LaneEvent, LaneInput } from '../../machines/laneTypes.js';
import { chargesCase } from '../cases/laneCharges.js';
import type { CaseCharge } from '../cases/laneCharges.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import type { AuditHead, LaneRow } from '../../persistence/rows.js';
import { jobNames } from '../../scheduler/laneJobs.js';
import type { LaneJobRequest } from '../../scheduler/laneJobs.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import { publish } from '../telemetry.js';
import type { LaneResult } from './laneResult.js';
import { openingTransition, transitionLane } from './laneTransition.js';
import { commitCharged } from './caseCommits.js';
import { toApproval } from './laneView.js';
import type { Approval } from './laneView.js';

// A lost race is retried against the new state, which usually turns it into a precise
// answer (`not_pending`); only a lane that keeps moving answers `conflict`. Lanes in a case
// also race for their case's row (its budget), where many runs may start at once.
const MAX_ATTEMPTS = 3;
const MAX_CASE_ATTEMPTS = 50;

/** The jobs a committed transition declares, as the scheduler takes them. */
export function jobsOf(laneId: string, effects: readonly LaneEffect[]): LaneJobRequest[] {
  return effects.flatMap((effect) =>
    effect.type === 'enqueue'
      ? [
          {
            name: jobNames[effect.job],
            laneId,
            runAt: effect.runAt ? new Date(effect.runAt) : null,
          },
        ]
      : [],
  );
}

/**
 * Hands committed transitions' jobs to the scheduler, all at once; a failure is reported
 * (`enqueueFailed`), never thrown: the lane is committed, and the reconciler re-drives it.
 */
export async function enqueueJobs(
  jobs: readonly LaneJobRequest[],
  enqueue: Enqueue,
): Promise<void> {
  await Promise.all(
    jobs.map(async (job) => {
      try {
        await enqueue(job);
      } catch (error) {
        publish('enqueueFailed', { ...job, error });
      }
    }),
  );
}

/** Reports a committed transition (before its jobs are handed on) and answers with the lane. */
export function announced(lane: LaneRow, from: string | null, event: string): Approval {
  // Published between the commit and the enqueue: observers (and crash tests) see exactly
  // the moment a lost process would leave a committed transition without its job.
  const context = lane.snapshot.context as unknown as {
    decision?: { at: string; actorId: string } | null;
  };
  publish('laneTransition', {
    laneId: lane.id,
    proposalId: lane.proposalId,
    from,
    to: lane.status,
    event,
    expiresAt: lane.expiresAt,
    decidedAt: context.decision?.at ?? null,
    actorId: context.decision?.actorId ?? null,
  });
  return toApproval(lane);
}

/** After the commit: report the transition, hand on the jobs, answer. */
export async function committed(
  lane: LaneRow,
  effects: readonly LaneEffect[],
  from: string | null,
  event: string,
  enqueue: Enqueue,
): Promise<LaneResult> {
  const approval = announced(lane, from, event);
  await enqueueJobs(jobsOf(lane.id, effects), enqueue);
  return { ok: true, approval };
}

/** A lane result, plus (when written) the lane as it now is, so a next call can skip the read. */
export interface AppliedLaneEvents {
  result: LaneResult;
  lane: LaneWithProposal | null;
  /** The budget hold the write took in the lane's case, when it claimed a run in one. */
  reserved?: BudgetAmount | null;
}

/** Options of {@link applyLaneEvents}. */
export interface ApplyOptions {
  /** Receives the jobs the transition declares. @default the runtime's */
  enqueue?: Enqueue;
  /** The lane as just read or written, which spares the first read. */
  known?: LaneWithProposal | null;
  /** What a claim or a finished run charges the lane's case. */
  charge?: CaseCharge;
  /**
   * Reads the lane again after a lost race (null: the events are not applied).
   * @default the lane store's read
   */
  reread?: (laneId: string) => Promise<LaneWithProposal | null>;
}

/**
 * The runtime's entry for lane events: read the lane, run the persisted-actor cycle for
 * `events`, and — only if the machine accepted every one — write snapshot, mirrored
 * columns, the new version and the audit events in one statement, then enqueue the jobs
 * declared (record before enqueue). A lost race is re-evaluated against the new state.
 */
export async function applyLaneEvents(
  rt: GovernanceRuntime,
  laneId: string,
  events: readonly LaneEvent[],
  options: ApplyOptions = {},
): Promise<AppliedLaneEvents> {
  const enqueue = options.enqueue ?? rt.lanes.enqueue;
  let found = options.known ?? null;
  let attempts = MAX_ATTEMPTS;
  const charge = options.charge ?? {};
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    found ??= await (options.reread ?? rt.laneStore.read)(laneId);
    if (!found) return { result: { ok: false, error: 'not_found' }, lane: null };
    if (found.caseId) attempts = MAX_CASE_ATTEMPTS;
    const transition = transitionLane(found, events, { inspect: rt.lanes.inspect, keys: rt.audit });
    if (!transition.write) return { result: transition.result, lane: found };
    // A write that charges a case commits with the case's, in one statement, or neither does.
    const done = chargesCase(found, transition.write.row, charge)
      ? await commitCharged(rt, found.caseId!, { found, events, transition, charge })
      : {
          plan: null,
          sent: events,
          transition,
          written: await rt.laneStore.write('update', transition.write),
        };
    const { plan, sent, transition: t } = done;
    if (!t.write) return { result: t.result, lane: found };
    if (done.written) {
      const label = sent.map((e) => e.type).join('+');
      const result = await committed(t.write.row, t.effects, found.lane.status, label, enqueue);
      return { result, lane: t.next, reserved: plan?.reserved ?? null };
    }
    found = null;
  }
  return {
    result: { ok: false, error: 'conflict', reason: 'the lane kept changing; try again' },
    lane: null,
  };
}

/** Opens a lane for a proposal whose audit chain ends at `head`. */
export async function openLane(
  rt: GovernanceRuntime,
  input: Omit<LaneInput, 'laneId' | 'at'>,
  head: AuditHead,
  enqueue: Enqueue = rt.lanes.enqueue,
): Promise<LaneResult> {
  const laneInput: LaneInput = { ...input, laneId: randomUUID(), at: rt.now().toISOString() };
  const { write, effects } = openingTransition(laneInput, head, {
    inspect: rt.lanes.inspect,
    keys: rt.audit,
  });
  if (!(await rt.laneStore.write('insert', write)))
    return { ok: false, error: 'conflict', reason: 'another lane was opened for this proposal' };
  return committed(write.row, effects, null, 'OPEN', enqueue);
}
