import { z } from 'zod';
import { canonicalActorId, isReservedActorId } from '../actorIdentity.js';
import { storedCallDigest } from '../audit/callDigest.js';
import { isStorableText } from '../pipeline/storableJson.js';
import { inputHash } from '../canonicalJson.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import type { RiskTier } from '../tools/defineTool.js';
import type { ApprovalPoint, CasePolicyRef } from '../../machines/caseTypes.js';
import type { ApprovalQuorum } from '../../machines/laneTypes.js';
import { laneQuorum } from './quorum.js';
import { openLane } from './applyLaneEvents.js';
import type { LaneResult } from './laneResult.js';

/** Options of `requestApproval`. */
export interface RequestApprovalOptions {
  /** Seconds until the lane expires. @default the governance's approvalTtlSeconds (172800) */
  ttlSeconds?: number | undefined;
  /** Who opens the lane. @default the proposer */
  actorId?: string | undefined;
  /** Replaces the scheduler for this call's jobs (tests, custom queues). */
  enqueue?: Enqueue | undefined;
}

const requestOptionsSchema = z.strictObject({
  ttlSeconds: z.number().int().positive().max(31_536_000).optional(),
  actorId: z
    .string()
    .trim()
    .min(1)
    .max(256)
    .refine(isStorableText, 'contains unstorable characters')
    .refine((id) => !isReservedActorId(id), 'is reserved for countersign itself')
    .transform(canonicalActorId)
    .optional(),
  enqueue: z.custom<Enqueue>((v) => typeof v === 'function').optional(),
});

/**
 * Opens a lane for a stored proposal of the given approval mode: pending with a deadline for
 * `requires_approval`, already approved by `system:auto` for `auto`. A proposal keeps at most
 * one open (or executed) lane.
 */
async function openLaneFor(
  rt: GovernanceRuntime,
  proposalId: string,
  mode: 'requires_approval' | 'auto',
  options: {
    ttlSeconds?: number;
    actorId?: string;
    enqueue?: Enqueue;
    escalation?: { approverRole: string; depth: number };
  },
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
  // A lane in a case takes its TTL from the case's policy, unless the caller names one.
  // The proposal names the case's policy version; its body comes from the cache by hash.
  const casePolicy = proposal.actorSnapshot.casePolicy as CasePolicyRef | undefined;
  const caseTtl =
    casePolicy && !auto && options.ttlSeconds === undefined
      ? (await rt.cases.policy(proposal.caseId!, casePolicy)).timeouts?.approvalTtlSeconds
      : undefined;
  const ttl = options.ttlSeconds ?? caseTtl ?? rt.lanes.approvalTtlSeconds;
  // Roles are checked against the directory; without one no role can be required.
  const role =
    options.escalation?.approverRole ?? rt.lanes.approverRoles[proposal.riskTier as RiskTier];
  const requiredRole = rt.lanes.resolveActor ? (role ?? null) : null;
  // The tool is first: a point (stored data) never drops the roles its tool names.
  const point = proposal.actorSnapshot.approvalPoint as ApprovalPoint | undefined;
  const quorum = laneQuorum(
    [proposal.toolSnapshot.approvals as ApprovalQuorum | undefined, point?.approvals],
    rt.lanes.resolveActor !== undefined && !options.escalation,
  );
  return openLane(
    rt,
    {
      proposalId,
      proposerId: proposal.actorId,
      requiredRole: auto ? null : requiredRole,
      expireRole: rt.lanes.expireRole,
      inputHash: inputHash(proposal.inputSnapshot),
      callDigest: storedCallDigest(proposal),
      expiresAt: auto ? null : new Date(rt.now().getTime() + ttl * 1000).toISOString(),
      requestedBy: options.actorId ?? proposal.actorId,
      ...(auto ? { autoApprovedBy: 'system:auto' } : {}),
      ...(options.escalation ? { escalationDepth: options.escalation.depth } : {}),
      ...(quorum && !auto ? { quorum } : {}),
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

/**
 * Opens the lane an escalation hands a proposal on to: pending for `approverRole`, for
 * `ttlSeconds`, one level deeper than the lane that escalated. Opened by `system:escalation`.
 */
export function openEscalatedLane(
  rt: GovernanceRuntime,
  proposalId: string,
  escalation: { approverRole: string; ttlSeconds: number; depth: number },
  enqueue?: Enqueue,
): Promise<LaneResult> {
  return openLaneFor(rt, proposalId, 'requires_approval', {
    ttlSeconds: escalation.ttlSeconds,
    actorId: 'system:escalation',
    enqueue,
    escalation,
  });
}
