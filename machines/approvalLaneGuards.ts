import type { LaneContext, LaneEvent, LaneEventOf as Ev } from './laneTypes.js';
type Judged = { context: LaneContext; event: LaneEvent };

/** Who an event acts as: its actor, or the part of countersign that sends it. */
export const actorOf = (e: LaneEvent) =>
  'actorId' in e ? e.actorId : e.type === 'DEFAULT_DECISION' ? 'system:default' : 'system:worker';

/** The input hash the lane is now about: an approver's edit, else the proposal's. */
export const currentInputHash = (c: LaneContext) => c.edit?.inputHash ?? c.inputHash;

/** The call digest the lane is now about, edited or not. */
export const currentCallDigest = (c: LaneContext) => c.edit?.callDigest ?? c.callDigest;

/** The input hash an event decides on: an APPROVE's edit, else the lane's current input. */
export const decidedInputHash = ({ context, event }: Judged) =>
  event.type === 'APPROVE' && event.edit ? event.edit.inputHash : currentInputHash(context);

/** The distinct actors who approved `hash`, in the order they did. */
export const approversOf = (c: LaneContext, hash: string) => [
  ...new Set(c.approvals.filter((v) => v.inputHash === hash).map((v) => v.actorId)),
];

const required = (c: LaneContext) => c.quorum?.count ?? 1;

/**
 * The lane machine's guards, named in `setup()`. Each reads the context and the event only:
 * time arrives on the event as `at`.
 */
export const laneGuards = {
  isAutoApproved: ({ context }: Judged) => context.opened.autoApprovedBy !== null,
  // Written as "not before" so an unreadable time fails closed (NaN compares false).
  isPastDeadline: ({ context, event }: Judged) =>
    context.expiresAt !== null && !(Date.parse(event.at) < Date.parse(context.expiresAt)),
  isProposer: ({ context, event }: Judged) => actorOf(event) === context.proposerId,
  // A quorum's roles, when it names any, replace the risk tier's role.
  hasRequiredRole: ({ context, event }: Judged) => {
    const roles = 'actorRoles' in event ? (event.actorRoles ?? []) : [];
    const permitted = context.quorum?.roles;
    if (permitted && permitted.length > 0) return permitted.some((r) => roles.includes(r));
    return context.requiredRole === null || roles.includes(context.requiredRole);
  },
  hasReason: ({ event }: Judged) => 'reason' in event && event.reason.trim() !== '',
  // An approval names the input its approver saw; one that names none approves the input
  // up, unless an approver's edit of a quorum lane is up (others may not have seen it).
  sawCurrentInput: ({ context, event }: Judged) => {
    const seen = (event as Ev<'APPROVE'>).inputHash;
    if (seen === undefined) return context.edit === null;
    return seen === currentInputHash(context);
  },
  // One voice per actor: an approval of the input now up, or any counted rejection.
  hasVoted: (judged: Judged) => {
    const actor = actorOf(judged.event);
    const { context } = judged;
    return (
      approversOf(context, decidedInputHash(judged)).includes(actor) ||
      context.rejections.some((v) => v.actorId === actor)
    );
  },
  completesQuorum: (judged: Judged) =>
    approversOf(judged.context, decidedInputHash(judged)).length + 1 >= required(judged.context),
  countsRejections: ({ context }: Judged) => context.quorum?.onRejection === 'count',
  completesRejections: ({ context }: Judged) => context.rejections.length + 1 >= required(context),
  // A quorum is never met by default: its lane rejects instead.
  defaultsToApprove: ({ context, event }: Judged) =>
    (event as Ev<'DEFAULT_DECISION'>).decision === 'approve' && context.quorum === null,
  // The deadline sweep expires with no roles; a host's actor needs the expiry role, or
  // else the approver's.
  mayExpire: ({ context, event }: Judged) => {
    if (!('actorRoles' in event) || event.actorRoles === undefined) return true;
    if (context.expireRole !== null) return event.actorRoles.includes(context.expireRole);
    return laneGuards.hasRequiredRole({ context, event });
  },
  isApprovedInput: ({ context, event }: Judged) =>
    (event as Ev<'EXECUTION_CLAIMED'>).inputHash === context.decision?.inputHash,
  // The worker claims with null when the chain does not authorise the run. A lane opened
  // before digests existed approved an input hash only; every other lane runs only the
  // exact call its decision approved.
  isApprovedCall: ({ context, event }: Judged) => {
    const claimed = (event as Ev<'EXECUTION_CLAIMED'>).callDigest;
    const approved = context.decision?.callDigest;
    return (
      claimed !== null && approved !== undefined && (approved === null || claimed === approved)
    );
  },
};
