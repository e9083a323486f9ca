import type { LaneEdit, LaneEvent, LaneEventOf } from '../../machines/laneTypes.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import { jobNames } from '../../scheduler/laneJobs.js';
import { resolveActor } from '../actorIdentity.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import type { DecisionOptions } from '../governanceOptions.js';
import { applyLaneEvents } from './applyLaneEvents.js';
import { prepareEdit } from './laneEdit.js';
import { transitionLane } from './laneTransition.js';
import { decisionEventSchema, hostLaneEventSchema } from './laneEventSchema.js';
import type { ParsedHostLaneEvent } from './laneEventSchema.js';
import type { LaneResult } from './laneResult.js';
import { toApproval } from './laneView.js';
import { inSpan } from '../tracing.js';
import type { Span } from '@opentelemetry/api';

/**
 * Adds the time and the acting actor as the directory knows them: the canonical id and,
 * for decisions and expiry, the roles the machine's guards judge. Countersign's own ids
 * (`system…`) are refused from hosts; a directory that cannot answer grants nothing.
 */
export async function stamp(
  rt: GovernanceRuntime,
  event: ParsedHostLaneEvent,
): Promise<LaneEvent | { refused: string }> {
  const at = rt.now().toISOString();
  const actor = await resolveActor(rt, event.actorId);
  if (!actor.ok) return { refused: actor.reason };
  const stamped = { ...event, actorId: actor.actorId, at };
  if (stamped.type === 'RESUME') return stamped;
  if (stamped.type === 'APPROVE') {
    // The edited input reaches the machine only as a judged edit (see `withEdit`).
    const { input: _input, ...approve } = stamped;
    return { ...approve, actorRoles: [...actor.roles] };
  }
  return { ...stamped, actorRoles: [...actor.roles] } as LaneEvent;
}

// Stands in for the edit while the machine's own checks run, before any gate judges it.
const editBeingJudged: LaneEdit = {
  input: null,
  inputHash: 'edit-being-judged',
  callDigest: 'edit-being-judged',
  cost: 0,
  originalInputHash: 'edit-being-judged',
  diff: [],
};

/**
 * An approval with an edited input. The machine's checks come first (pending, deadline,
 * four-eyes, role, the input seen, one voice each): only someone who may approve has an
 * edit judged, by every gate. A refusal of either is the answer; nothing is written.
 */
async function withEdit(
  rt: GovernanceRuntime,
  laneId: string,
  event: LaneEventOf<'APPROVE'>,
  input: unknown,
): Promise<{ event: LaneEvent; known: LaneWithProposal | null } | { refused: LaneResult }> {
  const found = await rt.laneStore.read(laneId);
  if (!found) return { refused: { ok: false, error: 'not_found' } };
  const dry = transitionLane(found, [{ ...event, edit: editBeingJudged }], {
    inspect: undefined,
    keys: rt.audit,
  });
  if (!dry.write) return { refused: dry.result };
  const prepared = await prepareEdit(rt, found, input);
  if (!prepared.ok) return { refused: prepared.result };
  return { event: prepared.edit ? { ...event, edit: prepared.edit } : event, known: found };
}

/** Records what a decision came to on its span, and returns it. */
function settle(span: Span, result: LaneResult): LaneResult {
  span.setAttribute('countersign.outcome', result.ok ? result.approval.status : result.error);
  return result;
}

/** Validates a host event with zod and applies it; bad input is `invalid_event`, never a write. */
export async function sendLaneEvent(
  rt: GovernanceRuntime,
  laneId: string,
  event: unknown,
  enqueue?: Enqueue,
): Promise<LaneResult> {
  const parsed = hostLaneEventSchema.safeParse(event);
  if (!parsed.success) return { ok: false, error: 'invalid_event', issues: parsed.error.issues };
  const attributes = { 'countersign.lane_id': laneId, 'countersign.event': parsed.data.type };
  const host = parsed.data;
  // Stamped, any edit judged, then applied, all in this frame: a decision reaches its SQL
  // through as few frames as it can (test/lanes/approveFrames.test.ts counts them).
  return inSpan('countersign.lane.decide', attributes, async (span) => {
    const stamped = await stamp(rt, host);
    if ('refused' in stamped)
      return settle(span, { ok: false, error: 'forbidden', reason: stamped.refused });
    let known: LaneWithProposal | null = null;
    let sent = stamped;
    if (stamped.type === 'APPROVE' && host.type === 'APPROVE' && host.input !== undefined) {
      const edited = await withEdit(rt, laneId, stamped, host.input);
      if ('refused' in edited) return settle(span, edited.refused);
      ({ event: sent, known } = edited);
    }
    return settle(span, (await applyLaneEvents(rt, laneId, [sent], { enqueue, known })).result);
  });
}

/**
 * Expires a pending lane now, as `options.actorId`; without one, as `system` (as the
 * deadline sweep does) where no `expireRole` is configured. With one configured only an
 * actor holding it may expire early: none named is `forbidden` (`missing_role`).
 */
export async function expireNow(
  rt: GovernanceRuntime,
  laneId: string,
  options: unknown,
): Promise<LaneResult> {
  const { enqueue, actorId, ...fields } = (options ?? {}) as DecisionOptions & {
    actorId?: unknown;
  };
  if (actorId !== undefined) {
    return sendLaneEvent(rt, laneId, { ...fields, type: 'EXPIRE', actorId }, enqueue);
  }
  const parsed = decisionEventSchema.safeParse({ ...fields, type: 'EXPIRE' });
  if (!parsed.success) return { ok: false, error: 'invalid_event', issues: parsed.error.issues };
  const attributes = { 'countersign.lane_id': laneId, 'countersign.event': 'EXPIRE' };
  return inSpan('countersign.lane.decide', attributes, async (span) => {
    if (rt.lanes.expireRole !== null) {
      return settle(span, { ok: false, error: 'forbidden', reason: 'missing_role' });
    }
    const event: LaneEvent = { type: 'EXPIRE', actorId: 'system', at: rt.now().toISOString() };
    return settle(span, (await applyLaneEvents(rt, laneId, [event], { enqueue })).result);
  });
}

/**
 * Moves an approved lane to `execution_pending` and enqueues its execution after the commit.
 * A lane already queued for execution gets its job enqueued again (the worker is idempotent).
 */
export async function executeApproved(
  rt: GovernanceRuntime,
  laneId: string,
  enqueue: Enqueue = rt.lanes.enqueue,
): Promise<LaneResult> {
  const requeue = async (found: LaneWithProposal | null): Promise<LaneResult | null> => {
    if (found?.lane.status !== 'execution_pending' || found.lane.executionState !== 'queued')
      return null;
    await enqueue({ name: jobNames['tool-execution'], laneId, runAt: null });
    return { ok: true, approval: toApproval(found.lane) };
  };
  const read = () => rt.laneStore.read(laneId);
  const found = await read();
  if (!found) return { ok: false, error: 'not_found' };
  const result =
    (await requeue(found)) ??
    (
      await applyLaneEvents(
        rt,
        laneId,
        [{ type: 'RESUME', actorId: 'system', at: rt.now().toISOString() }],
        { enqueue },
      )
    ).result;
  // A concurrent call may have resumed the lane first; then this call only re-enqueues.
  if (!result.ok && result.error === 'not_approved') return (await requeue(await read())) ?? result;
  return result;
}
