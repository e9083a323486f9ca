// What each refusal code means, in a sentence: a client shows `message` to a person, who
// can do nothing with `four_eyes`. Codes are the program's; these sentences are the person's.
const sentences: ReadonlyMap<string, string> = new Map(
  Object.entries({
    // Lane operations.
    not_found: 'nothing with this id exists',
    not_pending: 'the lane is no longer pending: it was decided or closed already',
    not_approved: 'the lane is not approved',
    not_executing: 'the lane is not executing',
    not_requires_approval: 'the proposal does not need approval: execute it instead',
    not_auto: 'the proposal needs approval: request a lane instead of executing it',
    proposal_blocked: 'the proposal was blocked by a gate, so it cannot go further',
    forbidden: 'the caller may not do this',
    expired: 'the lane passed its deadline',
    invalid_event: 'the event is not valid for this lane now',
    conflict: 'the request conflicts with a concurrent change',
    edit_refused: 'the edited input was refused',
    // Why a lane refused a decision.
    four_eyes: 'the proposer cannot approve their own call (four-eyes)',
    missing_role: "the caller does not hold the role this call's risk tier requires",
    already_decided: 'this approver has already decided this lane',
    reason_required: 'a rejection or deferral needs a reason',
    decision_after_deadline: 'the decision came after the lane passed its deadline',
    input_changed: "the call's input changed since this decision was prepared",
    not_due: 'the lane is not past its deadline yet',
    reserved_actor: 'the actor id is reserved for countersign itself',
    unknown_actor: 'the actor is not known to the directory',
    actor_unresolved: 'the actor directory could not answer; nothing was decided',
    // Cases: both come with the cause as their reason.
    unknown_policy: 'the case cannot be opened under that policy',
    duplicate: 'the case cannot be opened under that id',
    case_closed: 'the case is closed',
    // Decision links.
    invalid_link: 'the decision link is not valid',
    link_expired: 'the decision link has expired',
    link_used: 'the decision link was used already',
    // The gates of a proposal (a 422 blocked answer).
    needs_input: "the input does not match the tool's schema or cannot be stored",
    invalid_input: "the input does not match the tool's schema or cannot be stored",
    scope_invalid: 'the caller does not hold the scopes the tool requires',
    policy_denied: "the tool's policy denied the call",
    authorize_failed: "the tool's policy failed while judging the call",
    cost_failed: "the call's cost could not be computed",
    allowlist_violation: 'the tool is not allowed at this path of the case',
    budget_exceeded: "the case's budget has no room for this call",
  }),
);

// Errors that only say what kind of refusal it was: their reason's sentence says it better.
const categories: ReadonlySet<string> = new Set([
  'forbidden',
  'invalid_event',
  'expired',
  'conflict',
  'policy_denied',
]);

const isCode = (text: string) => /^[a-z][a-z0-9_]*$/.test(text);
const sentenceOf = (code: string) => sentences.get(code) ?? `refused: ${code.replace(/_/g, ' ')}`;

/**
 * The `message` of a refusal: the sentence of its code (or of its reason, when the code is
 * only a category such as `forbidden`), then what the refusing check said besides:
 * `forbidden` for `four_eyes` says "the proposer cannot approve their own call (four-eyes)".
 */
export function refusalMessage(error: string, reason?: string | null, detail?: string): string {
  let head = sentenceOf(error);
  let tail: string | null = null;
  if (reason && isCode(reason)) {
    if (categories.has(error) && sentences.has(reason)) head = sentenceOf(reason);
    else tail = sentences.get(reason) ?? reason;
  } else if (reason) tail = reason;
  if (detail) tail = detail;
  return tail && tail !== head ? `${head}: ${tail}` : head;
}
