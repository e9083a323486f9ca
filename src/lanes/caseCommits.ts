import type { LaneEvent, LaneFailure } from '../../machines/laneTypes.js';
import { PREPARED_BATCH } from '../../persistence/batchSlots.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import { createKeyedBatcher } from '../batcher.js';
import { planCaseCharge } from '../cases/laneCharges.js';
import type { CaseCharge, CasePlan } from '../cases/laneCharges.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { transitionLane } from './laneTransition.js';
import type { LaneTransition } from './laneTransition.js';

/** A lane's transition that charges its case, before the case has answered. */
export interface ChargingWrite {
  found: LaneWithProposal;
  events: readonly LaneEvent[];
  transition: Extract<LaneTransition, { write: object }>;
  charge: CaseCharge;
}

/** What became of it: the case's plan, the events sent, and whether it was written. */
export interface ChargedWrite {
  plan: CasePlan | null;
  /** A claim the case refused is sent as a refusal of the run. */
  sent: readonly LaneEvent[];
  transition: LaneTransition;
  written: boolean;
}

const refusedRun = (events: readonly LaneEvent[], failure: LaneFailure): LaneEvent[] =>
  events.map((e) =>
    e.type === 'EXECUTION_CLAIMED' ? { type: 'EXECUTION_REFUSED', failure, at: e.at } : e,
  );

/**
 * Plans a group of one case's writes in turn against the case as read once (each charge
 * sees the ledger the ones before it left), then writes every lane and the case's row in
 * one statement: all or none.
 */
async function writeGroup(
  rt: GovernanceRuntime,
  caseId: string,
  writes: ChargingWrite[],
): Promise<ChargedWrite[]> {
  // The case as this process last wrote or read it: the write is made only if the case is
  // still at that version.
  let record = await rt.cases.recent(caseId).catch(() => null);
  const machine = { inspect: rt.lanes.inspect, keys: rt.audit };
  const planned = writes.map(({ found, events, transition: planned, charge }) => {
    const at = events.at(-1)!.at;
    const plan = planCaseCharge(found, planned.write.row, charge, at, record, rt.audit);
    const sent = plan?.refusal ? refusedRun(events, plan.refusal) : events;
    const transition = plan?.refusal ? transitionLane(found, sent, machine) : planned;
    // A refusal the lane's machine will not take is answered, and leaves the case alone.
    if (!transition.write) return { plan: null, sent, transition, written: false };
    if (plan?.next) record = plan.next;
    return { plan, sent, transition, written: true };
  });
  const caseWrites = planned.flatMap((p) => (p.plan?.write ? [p.plan.write] : []));
  const laneWrites = planned.flatMap((p) => (p.transition.write ? [p.transition.write] : []));
  if (caseWrites.length === 0) {
    // Nothing to record on the case (it could not be read, a hold repeated): lanes alone.
    return Promise.all(
      planned.map(async (p) => ({
        ...p,
        written:
          p.transition.write !== null && (await rt.laneStore.write('update', p.transition.write)),
      })),
    );
  }
  const caseWrite = {
    row: caseWrites.at(-1)!.row,
    expectedVersion: caseWrites[0]!.expectedVersion,
    events: caseWrites.flatMap((w) => w.events),
  };
  const written = await rt.laneStore.writeWithCase(laneWrites, caseWrite);
  // Read afresh for the retry: what moved may be the case.
  if (written && record) rt.cases.wrote(record);
  else rt.cases.forget(caseId);
  // Every write of the group leaves the case as the last one does.
  return planned.map((p) => ({
    ...p,
    plan: p.plan && { ...p.plan, next: record },
    written: p.written && written,
  }));
}

const commits = new WeakMap<
  GovernanceRuntime,
  (caseId: string, write: ChargingWrite) => Promise<ChargedWrite>
>();

/**
 * Commits a lane's write that charges its case, with the others of the same case: while
 * one group of a case is being written, the next gathers (one lane per proposal), so runs
 * that start at once in one case commit together instead of racing for its row. Other
 * processes still race on the row's version; a group that lost is retried by its callers.
 */
export function commitCharged(
  rt: GovernanceRuntime,
  caseId: string,
  write: ChargingWrite,
): Promise<ChargedWrite> {
  let commit = commits.get(rt);
  if (!commit) {
    commit = createKeyedBatcher<ChargingWrite, ChargedWrite>({
      maxBatch: PREPARED_BATCH,
      keyOf: (w) => w.found.lane.proposalId,
      // A failed statement fails the group's callers, as it would a lone write.
      retryAlone: () => false,
      run: (key, writes) => writeGroup(rt, key, writes),
    });
    commits.set(rt, commit);
  }
  return commit(caseId, write);
}
