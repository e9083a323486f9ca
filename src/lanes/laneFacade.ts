import { z } from 'zod';
import type { LaneEvent } from '../../machines/laneTypes.js';
import type { LaneForStep } from '../../persistence/lane.repository.js';
import { findLatestLane, findPendingLane } from '../../persistence/lane.repository.js';
import { jobNames } from '../../scheduler/jobNames.js';
import { canonicalJson, sha256 } from '../canonicalJson.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import type { RiskTier } from '../tools/defineTool.js';
import { hostLaneEventSchema } from './laneEventSchema.js';
import type { ParsedHostLaneEvent } from './laneEventSchema.js';
import type { LaneResult } from './laneResult.js';
import { applyLaneEvent, openLane } from './laneRuntime.js';
import { toApproval } from './laneView.js';
import type { Approval } from './laneView.js';

/** Options of `requestApproval`. */
export interface RequestApprovalOptions {
  /** Seconds until the lane expires. @default the governance's approvalTtlSeconds (172800) */
  ttlSeconds?: number;
  /** Who opens the lane. @default the proposer */
  actorId?: string;
  /** Replaces the scheduler for this call's jobs (tests, custom queues). */
  enqueue?: Enqueue;
}

const requestOptionsSchema = z.strictObject({
  ttlSeconds: z.number().int().positive().max(31_536_000).optional(),
  actorId: z.string().trim().min(1).max(256).optional(),
  enqueue: z.custom<Enqueue>((v) => typeof v === 'function').optional(),
});

/** SHA-256 of a validated input as stored: what an approval approves. */
export function inputHash(input: unknown): string {
  return sha256(canonicalJson(input));
}

/**
 * Opens a lane for a stored proposal of the given approval mode: pending with a deadline for
 * `requires_approval`, already approved by `system:auto` for `auto`. A proposal keeps at most
 * one open (or executed) lane.
 */
async function openLaneFor(
  rt: GovernanceRuntime,
  proposalId: string,
  mode: 'requires_approval' | 'auto',
  options: { ttlSeconds?: number; actorId?: string; enqueue?: Enqueue },
): Promise<LaneResult> {
  const proposal = await rt.laneStore.readProposal(proposalId);
  if (!proposal) return { ok: false, error: 'not_found' };
  if (proposal.status === 'blocked') {
    return { ok: false, error: 'proposal_blocked', reason: proposal.blockedReason ?? undefined };
  }
  if (proposal.approvalMode !== mode) {
    const error = mode === 'auto' ? 'not_auto' : 'not_requires_approval';
    return { ok: false, error, reason: `the tool's approval mode is ${proposal.approvalMode}` };
  }
  const [blocking] = proposal.blockingLanes;
  if (blocking) {
    return {
      ok: false,
      error: 'conflict',
      reason: `proposal already has a lane that is ${blocking}`,
    };
  }
  const auto = mode === 'auto';
  const ttl = options.ttlSeconds ?? rt.lanes.approvalTtlSeconds;
  const requiredRole = rt.lanes.resolveActor
    ? (rt.lanes.approverRoles[proposal.riskTier as RiskTier] ?? null)
    : null;
  return openLane(
    rt,
    {
      proposalId,
      proposerId: proposal.actorId,
      requiredRole: auto ? null : requiredRole,
      inputHash: inputHash(proposal.inputSnapshot),
      expiresAt: auto ? null : new Date(rt.lanes.now().getTime() + ttl * 1000).toISOString(),
      requestedBy: options.actorId ?? proposal.actorId,
      ...(auto ? { autoApprovedBy: 'system:auto' } : {}),
    },
    proposal.head,
    options.enqueue,
  );
}

/** Opens a pending lane for a `requires_approval` proposal; enqueues its expiry after commit. */
export async function requestApproval(
  rt: GovernanceRuntime,
  proposalId: string,
  options: RequestApprovalOptions = {},
): Promise<LaneResult> {
  const parsed = requestOptionsSchema.safeParse(options);
  if (!parsed.success) return { ok: false, error: 'invalid_event', issues: parsed.error.issues };
  return openLaneFor(rt, proposalId, 'requires_approval', parsed.data);
}

/**
 * Executes an `auto` proposal: opens a lane that starts approved by `system:auto`, so the
 * run goes through the same machine, audit chain and workers as an approved one.
 */
export async function executeProposal(
  rt: GovernanceRuntime,
  proposalId: string,
  enqueue?: Enqueue,
): Promise<LaneResult> {
  return openLaneFor(rt, proposalId, 'auto', { enqueue });
}

/** Adds the time and, for decisions, the actor's roles (the machine's guards judge them). */
async function stamp(
  rt: GovernanceRuntime,
  event: ParsedHostLaneEvent,
): Promise<LaneEvent | { refused: string }> {
  const at = rt.lanes.now().toISOString();
  if (event.type === 'EXPIRE' || event.type === 'RESUME') return { ...event, at };
  let actorRoles: string[] = [];
  if (rt.lanes.resolveActor) {
    // Fail closed: a directory that cannot answer grants no authority.
    const identity = await Promise.resolve()
      .then(() => rt.lanes.resolveActor?.(event.actorId))
      .catch(() => 'unresolved' as const);
    if (identity === 'unresolved') return { refused: 'actor_unresolved' };
    if (!identity) return { refused: 'unknown_actor' };
    actorRoles = [...identity.roles];
  }
  return { ...event, at, actorRoles };
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
  const stamped = await stamp(rt, parsed.data);
  if ('refused' in stamped) return { ok: false, error: 'forbidden', reason: stamped.refused };
  return applyLaneEvent(rt, laneId, stamped, enqueue);
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
  const requeue = async (found: LaneForStep | null): Promise<LaneResult | null> => {
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
    (await sendLaneEvent(rt, laneId, { type: 'RESUME', actorId: 'system' }, enqueue));
  // A concurrent call may have resumed the lane first; then this call only re-enqueues.
  if (!result.ok && result.error === 'not_approved') return (await requeue(await read())) ?? result;
  return result;
}

export async function getActiveApproval(
  rt: GovernanceRuntime,
  proposalId: string,
): Promise<Approval | null> {
  const row = await rt.withEm('getActiveApproval', (em) => findPendingLane(em, proposalId));
  return row ? toApproval(row) : null;
}

export async function getLatestApproval(
  rt: GovernanceRuntime,
  proposalId: string,
): Promise<Approval | null> {
  const row = await rt.withEm('getLatestApproval', (em) => findLatestLane(em, proposalId));
  return row ? toApproval(row) : null;
}
