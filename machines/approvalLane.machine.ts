import { and, assign, emit, not, setup } from 'xstate';
import {
  actorOf,
  approversOf,
  currentCallDigest,
  currentInputHash,
  decidedInputHash,
  laneGuards,
} from './approvalLaneGuards.js';
import type {
  LaneContext,
  LaneEffect,
  LaneEvent,
  LaneEventOf as Ev,
  LaneInput,
  LaneRefusal,
} from './laneTypes.js';

/** Stored with every snapshot; a snapshot of another id is refused. */
export const APPROVAL_LANE_MACHINE_ID = 'countersign.approvalLane';
/** Bump with a registered snapshot migration whenever states or context change shape. */
export const APPROVAL_LANE_MACHINE_VERSION = 4;

const alreadyDecided = {
  guard: 'hasVoted',
  actions: { type: 'refuse', params: { error: 'forbidden', reason: 'already_decided' } },
} as const;

const decided = (kind: 'rejected' | 'deferred') =>
  [{ type: 'recordDecision', params: { kind } }, 'auditDecision'] as const;

// The proposer's own rejection withdraws the call at once, recorded as the proposer's
// `rejected` decision: it needs no approver's role and no quorum.
const withdrawal = {
  guard: 'isProposer',
  target: 'rejected',
  actions: decided('rejected'),
} as const;

// A quorum that counts rejections collects them until as many as it needs approvals.
const countedRejections = [
  {
    guard: and(['countsRejections', not('completesRejections')]),
    actions: ['recordRejection', 'auditRejection'],
  },
  {
    guard: 'countsRejections',
    target: 'rejected',
    actions: ['recordRejection', ...decided('rejected')],
  },
] as const;

/**
 * REJECT and DEFER are judged alike: a reason first, then the deadline, then the role, then
 * one voice per actor; the proposer may withdraw their own call before the role is asked
 * for. Written once, as plain config the visualizer reads.
 */
const decidedWithReason = (kind: 'rejected' | 'deferred') =>
  [
    {
      guard: not('hasReason'),
      actions: { type: 'refuse', params: { error: 'invalid_event', reason: 'reason_required' } },
    },
    {
      guard: 'isPastDeadline',
      actions: { type: 'refuse', params: { error: 'expired', reason: 'decision_after_deadline' } },
    },
    ...(kind === 'rejected' ? [withdrawal] : []),
    {
      guard: not('hasRequiredRole'),
      actions: { type: 'refuse', params: { error: 'forbidden', reason: 'missing_role' } },
    },
    alreadyDecided,
    ...(kind === 'rejected' ? countedRejections : []),
    { target: kind, actions: decided(kind) },
  ] as const;

/** A new lane's context, from its input. */
const openingContext = (input: LaneInput): LaneContext => ({
  laneId: input.laneId,
  proposalId: input.proposalId,
  proposerId: input.proposerId,
  requiredRole: input.requiredRole,
  expireRole: input.expireRole ?? null,
  inputHash: input.inputHash,
  callDigest: input.callDigest ?? null,
  edit: null,
  quorum: input.quorum ?? null,
  approvals: [],
  rejections: [],
  expiresAt: input.expiresAt,
  escalationDepth: input.escalationDepth ?? 0,
  opened: { by: input.requestedBy, at: input.at, autoApprovedBy: input.autoApprovedBy ?? null },
  decision: null,
  attempt: 0,
  leaseUntil: null,
  retryAt: null,
  result: null,
  failure: null,
});

/**
 * One approval attempt of one proposal. Pure: effects are emitted (`audit`, `enqueue`,
 * `refused`) for the runtime to perform, time arrives on each event as `at`, and the expiry
 * deadline is kept by the scheduler, never by an `after` timer (actors here live for one
 * cycle). Every accepted event emits exactly one `audit` effect; a refused one emits one
 * `refused` effect; an event no transition takes emits nothing.
 *
 * | from                        | event               | guards, in order (refusal)                                                 | to                          | audit                       |
 * | --------------------------- | ------------------- | -------------------------------------------------------------------------- | --------------------------- | --------------------------- |
 * | requested (on start)        | —                   | isAutoApproved                                                             | approved                    | approved                    |
 * | requested (on start)        | —                   | otherwise (enqueues the expiry)                                            | pending                     | approval_requested          |
 * | pending                     | APPROVE             | isPastDeadline (expired), isProposer (four_eyes), hasRequiredRole, hasVoted (already_decided); completesQuorum | approved (enqueues resume) | approved |
 * | pending                     | APPROVE             | the same, short of the quorum                                              | pending                     | approval_recorded           |
 * | pending                     | REJECT              | hasReason (reason_required), isPastDeadline (expired), isProposer (a withdrawal, no role asked) | rejected | rejected (by the proposer) |
 * | pending                     | REJECT              | hasReason (reason_required), isPastDeadline (expired), hasRequiredRole, hasVoted | rejected              | rejected                    |
 * | pending                     | REJECT              | the same, a quorum that countsRejections, short of completesRejections     | pending                     | rejection_recorded          |
 * | pending                     | DEFER               | hasReason (reason_required), isPastDeadline (expired), hasRequiredRole, hasVoted | deferred              | deferred                    |
 * | pending                     | EXPIRE              | mayExpire (missing_role; the sweep carries no roles)                       | expired                     | expired                     |
 * | pending                     | ESCALATE            | isPastDeadline, else refused (invalid_event: not_due)                      | escalated                   | escalated                   |
 * | pending                     | DEFAULT_DECISION    | isPastDeadline, else refused (invalid_event: not_due); decision            | approved / rejected         | approved / rejected         |
 * | approved                    | RESUME              | — (enqueues the execution)                                                 | execution_pending.queued    | execution_enqueued          |
 * | execution_pending.queued    | EXECUTION_CLAIMED   | isApprovedInput (input_mismatch), isApprovedCall (call_mismatch)           | running / execution_failed  | execution_started / failed  |
 * | execution_pending.queued    | EXECUTION_REFUSED   | — (the case refused the run: budget or closed)                             | execution_failed            | execution_failed            |
 * | execution_pending.running   | EXECUTION_SUCCEEDED | —                                                                          | executed                    | executed                    |
 * | execution_pending.running   | EXECUTION_FAILED    | —                                                                          | execution_failed            | execution_failed            |
 * | execution_pending.running   | EXECUTION_RETRY     | — (enqueues the execution at `retryAt`)                                    | execution_pending.queued    | execution_retry_scheduled   |
 *
 * executed, execution_failed, rejected, deferred, expired and escalated are final: they take
 * no event. ESCALATE and DEFAULT_DECISION come only from the runtime's deadline handling for
 * a lane in a case (its policy's approval-timeout action), never from a host.
 *
 * An APPROVE may carry an edit of the input (judged by every gate before it is sent): it puts
 * the edited input up for approval and is itself its first approval; approvals of another
 * input no longer count. A decision approves the input (and call digest) up at that moment.
 */
export const approvalLaneMachine = setup({
  types: {
    context: {} as LaneContext,
    events: {} as LaneEvent,
    input: {} as LaneInput,
    emitted: {} as LaneEffect,
  },
  guards: laneGuards,
  actions: {
    refuse: emit((_, params: { error: LaneRefusal; reason: string }) => ({
      type: 'refused' as const,
      ...params,
    })),
    recordRequest: emit(({ context }) => ({
      type: 'audit' as const,
      event: 'approval_requested',
      actorId: context.opened.by,
      at: context.opened.at,
      data: {
        expiresAt: context.expiresAt,
        requiredRole: context.requiredRole,
        inputHash: context.inputHash,
        callDigest: context.callDigest,
      },
    })),
    enqueueExpiry: emit(({ context }) => ({
      type: 'enqueue' as const,
      job: 'approval-expiry' as const,
      runAt: context.expiresAt,
    })),
    recordAutoApproval: assign({
      decision: ({ context }) => ({
        kind: 'approved' as const,
        actorId: context.opened.autoApprovedBy ?? 'system:auto',
        at: context.opened.at,
        note: null,
        reason: null,
        inputHash: context.inputHash,
        callDigest: context.callDigest,
      }),
    }),
    // The approval (and any edit) comes first, so a decision it completes sees it. Only a
    // quorum keeps its votes: a lone approval is the decision itself.
    recordApproval: assign(({ context, event }) => {
      const { edit, note } = event as Ev<'APPROVE'>;
      const inputHash = decidedInputHash({ context, event });
      const vote = { actorId: actorOf(event), at: event.at, inputHash, note: note ?? null };
      // An edit back to the proposal's input takes the edit down.
      const next = edit && edit.inputHash !== context.inputHash ? edit : null;
      return {
        edit: edit ? next && { ...next, by: vote.actorId, at: event.at } : context.edit,
        approvals: context.quorum ? [...context.approvals, vote] : context.approvals,
      };
    }),
    auditApproval: emit(({ context, event }) => {
      const hash = currentInputHash(context);
      return {
        type: 'audit' as const,
        event: 'approval_recorded',
        actorId: actorOf(event),
        at: event.at,
        data: {
          inputHash: hash,
          callDigest: currentCallDigest(context),
          approvals: approversOf(context, hash).length,
          required: context.quorum?.count ?? 1,
        },
      };
    }),
    recordRejection: assign({
      rejections: ({ context, event }) => [
        ...context.rejections,
        {
          actorId: actorOf(event),
          at: event.at,
          inputHash: currentInputHash(context),
          note: (event as Ev<'REJECT'>).reason,
        },
      ],
    }),
    auditRejection: emit(({ context, event }) => ({
      type: 'audit' as const,
      event: 'rejection_recorded',
      actorId: actorOf(event),
      at: event.at,
      data: {
        reason: (event as Ev<'REJECT'>).reason,
        rejections: context.rejections.length,
        required: context.quorum?.count ?? 1,
      },
    })),
    recordDecision: assign({
      decision: (
        { context, event },
        params: { kind: 'approved' | 'rejected' | 'deferred' | 'expired' | 'escalated' },
      ) => ({
        kind: params.kind,
        actorId: actorOf(event),
        at: event.at,
        note: 'note' in event ? (event.note ?? null) : null,
        reason:
          'reason' in event
            ? event.reason
            : event.type === 'DEFAULT_DECISION'
              ? 'nobody decided in time; the policy decided by default'
              : null,
        inputHash: currentInputHash(context),
        callDigest: currentCallDigest(context),
        ...(context.edit
          ? {
              edit: {
                originalInputHash: context.edit.originalInputHash,
                diff: context.edit.diff,
                by: context.edit.by,
              },
            }
          : {}),
        ...(context.quorum && params.kind === 'approved'
          ? { approvers: approversOf(context, currentInputHash(context)) }
          : {}),
      }),
    }),
    auditDecision: emit(({ context }) => ({
      type: 'audit' as const,
      event: context.decision!.kind,
      actorId: context.decision!.actorId,
      at: context.decision!.at,
      data: { ...context.decision! },
    })),
    enqueueResume: emit({ type: 'enqueue' as const, job: 'approval-resume' as const, runAt: null }),
    enqueueExecution: emit(({ event }) => ({
      type: 'enqueue' as const,
      job: 'tool-execution' as const,
      runAt: event.type === 'EXECUTION_RETRY' ? event.retryAt : null,
    })),
    recordStep: emit(({ context, event }, params: { step: string }) => ({
      type: 'audit' as const,
      event: params.step,
      actorId: actorOf(event),
      at: event.at,
      data: {
        attempt: context.attempt,
        ...(params.step === 'execution_failed' || params.step === 'execution_retry_scheduled'
          ? { failure: context.failure }
          : {}),
      },
    })),
    recordClaim: assign({
      attempt: ({ context }) => context.attempt + 1,
      retryAt: null,
      leaseUntil: ({ event }) => (event as Ev<'EXECUTION_CLAIMED'>).leaseUntil,
    }),
    recordResult: assign({
      result: ({ event }) => (event as Ev<'EXECUTION_SUCCEEDED'>).result,
      failure: null,
      leaseUntil: null,
    }),
    recordFailure: assign({
      failure: ({ event }) =>
        (event as Ev<'EXECUTION_FAILED' | 'EXECUTION_RETRY' | 'EXECUTION_REFUSED'>).failure,
      leaseUntil: null,
    }),
    recordRetryAt: assign({
      retryAt: ({ event }) => (event as Ev<'EXECUTION_RETRY'>).retryAt,
    }),
    recordInputMismatch: assign({
      failure: {
        code: 'input_mismatch',
        message: 'the input about to run does not hash to the input that was approved',
      },
    }),
    recordCallMismatch: assign({
      failure: {
        code: 'call_mismatch',
        message: 'the call about to run is not the call that was approved',
      },
    }),
  },
}).createMachine({
  id: 'approvalLane',
  version: String(APPROVAL_LANE_MACHINE_VERSION),
  // A spread copy: a context of this many keys that XState's `assign` copies stays fast only
  // once V8 has seen its shape made by a spread (see `withSpreadContext` in persistedActor).
  context: ({ input }) => ({ ...openingContext(input) }),
  initial: 'requested',
  states: {
    requested: {
      always: [
        {
          guard: 'isAutoApproved',
          target: 'approved',
          actions: ['recordAutoApproval', 'auditDecision'],
        },
        { target: 'pending', actions: ['recordRequest', 'enqueueExpiry'] },
      ],
    },
    pending: {
      on: {
        APPROVE: [
          {
            guard: 'isPastDeadline',
            actions: {
              type: 'refuse',
              params: { error: 'expired', reason: 'decision_after_deadline' },
            },
          },
          {
            guard: 'isProposer',
            actions: { type: 'refuse', params: { error: 'forbidden', reason: 'four_eyes' } },
          },
          {
            guard: not('hasRequiredRole'),
            actions: { type: 'refuse', params: { error: 'forbidden', reason: 'missing_role' } },
          },
          {
            guard: not('sawCurrentInput'),
            actions: { type: 'refuse', params: { error: 'conflict', reason: 'input_changed' } },
          },
          alreadyDecided,
          {
            guard: 'completesQuorum',
            target: 'approved',
            actions: [
              'recordApproval',
              { type: 'recordDecision', params: { kind: 'approved' } },
              'auditDecision',
            ],
          },
          { actions: ['recordApproval', 'auditApproval'] },
        ],
        REJECT: decidedWithReason('rejected'),
        DEFER: decidedWithReason('deferred'),
        EXPIRE: [
          {
            guard: not('mayExpire'),
            actions: { type: 'refuse', params: { error: 'forbidden', reason: 'missing_role' } },
          },
          {
            target: 'expired',
            actions: [{ type: 'recordDecision', params: { kind: 'expired' } }, 'auditDecision'],
          },
        ],
        ESCALATE: [
          {
            guard: not('isPastDeadline'),
            actions: { type: 'refuse', params: { error: 'invalid_event', reason: 'not_due' } },
          },
          {
            target: 'escalated',
            actions: [{ type: 'recordDecision', params: { kind: 'escalated' } }, 'auditDecision'],
          },
        ],
        DEFAULT_DECISION: [
          {
            guard: not('isPastDeadline'),
            actions: { type: 'refuse', params: { error: 'invalid_event', reason: 'not_due' } },
          },
          {
            guard: 'defaultsToApprove',
            target: 'approved',
            actions: [{ type: 'recordDecision', params: { kind: 'approved' } }, 'auditDecision'],
          },
          {
            target: 'rejected',
            actions: [{ type: 'recordDecision', params: { kind: 'rejected' } }, 'auditDecision'],
          },
        ],
      },
    },
    approved: {
      entry: 'enqueueResume',
      on: {
        RESUME: {
          target: 'execution_pending',
          actions: [
            { type: 'recordStep', params: { step: 'execution_enqueued' } },
            'enqueueExecution',
          ],
        },
      },
    },
    execution_pending: {
      initial: 'queued',
      states: {
        queued: {
          on: {
            EXECUTION_CLAIMED: [
              {
                guard: not('isApprovedInput'),
                target: '#approvalLane.execution_failed',
                actions: [
                  'recordInputMismatch',
                  { type: 'recordStep', params: { step: 'execution_failed' } },
                ],
              },
              {
                guard: not('isApprovedCall'),
                target: '#approvalLane.execution_failed',
                actions: [
                  'recordCallMismatch',
                  { type: 'recordStep', params: { step: 'execution_failed' } },
                ],
              },
              {
                target: 'running',
                actions: [
                  'recordClaim',
                  { type: 'recordStep', params: { step: 'execution_started' } },
                ],
              },
            ],
            EXECUTION_REFUSED: {
              target: '#approvalLane.execution_failed',
              actions: [
                'recordFailure',
                { type: 'recordStep', params: { step: 'execution_failed' } },
              ],
            },
          },
        },
        running: {
          on: {
            EXECUTION_SUCCEEDED: {
              target: '#approvalLane.executed',
              actions: ['recordResult', { type: 'recordStep', params: { step: 'executed' } }],
            },
            EXECUTION_FAILED: {
              target: '#approvalLane.execution_failed',
              actions: [
                'recordFailure',
                { type: 'recordStep', params: { step: 'execution_failed' } },
              ],
            },
            EXECUTION_RETRY: {
              target: 'queued',
              actions: [
                'recordFailure',
                'recordRetryAt',
                { type: 'recordStep', params: { step: 'execution_retry_scheduled' } },
                'enqueueExecution',
              ],
            },
          },
        },
      },
    },
    executed: { type: 'final' },
    execution_failed: { type: 'final' },
    rejected: { type: 'final' },
    deferred: { type: 'final' },
    expired: { type: 'final' },
    escalated: { type: 'final' },
  },
});
