import { z } from 'zod';
import { InvalidRequestError } from '../errors/invalidRequestError.js';
import {
  canonicalActorId,
  effectiveScopes,
  isReservedActorId,
  resolveActor,
} from '../actorIdentity.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import type { ToolRef } from '../tools/toolRegistry.js';
import type { MaybeAsync } from './validate.js';
import { isStorableText } from './storableJson.js';
import { caseIdSchema, idSchema } from './idSchema.js';
import { casePathSchema } from '../cases/casePath.js';

const UNSTORABLE = 'contains a NUL character or an unpaired surrogate';
const id = idSchema;

/** A tool by name, or by name and version. */
export const toolRefSchema = z.union([
  z.string().min(1).max(128),
  z.strictObject({
    name: z.string().min(1).max(128),
    version: z.string().min(1).max(64).optional(),
  }),
]);

// Strict: a misspelt field (`scope` for `scopes`) must fail loudly, not weaken a gate.
export const proposalContextSchema = z.strictObject({
  input: z.unknown(),
  scopes: z
    .array(z.string().min(1).max(256).refine(isStorableText, UNSTORABLE))
    .max(1_000)
    .optional(),
  conversationId: id.nullish(),
  caseId: caseIdSchema.nullish(),
  /** The region of the case the call is made in; the case itself is '/'. */
  casePath: casePathSchema.default('/'),
  idempotencyKey: id.optional(),
});

// Built once: zod compiles a schema's fast path on first use, which costs far more than a parse.
const requestSchema = z.object({
  toolRef: toolRefSchema,
  actorId: id,
  context: proposalContextSchema,
});

/** What a host passes to `validate` / `propose` besides the tool and the actor. */
export type ProposalContext = z.input<typeof proposalContextSchema>;

/** A checked call: the shape is right; whether it passes the gates is another matter. */
export interface ProposalRequest {
  toolRef: ToolRef;
  /** The canonical actor id (see `canonicalActorId`). */
  actorId: string;
  /** `scopes` are the ones the call holds: the directory's, narrowed by any declared. */
  context: Omit<z.output<typeof proposalContextSchema>, 'scopes' | 'conversationId' | 'caseId'> & {
    scopes: string[];
    conversationId: string | null;
    caseId: string | null;
  };
  /** The scopes the caller declared, if it declared any. */
  declaredScopes: string[] | undefined;
}

const invalid = (message: string, issues: z.core.$ZodIssue[]) =>
  new InvalidRequestError(`invalid proposal request: ${message}`, issues);

// A Proxy's trap or a getter that throws makes the call unreadable: refused like any other
// malformed call, with none of the host's error text (it could be anything).
function readRequest(toolRef: unknown, actorId: unknown, context: unknown) {
  try {
    return requestSchema.safeParse({ toolRef, actorId, context });
  } catch {
    throw invalid('the call throws when it is read', [
      { code: 'custom', path: [], message: 'a value throws when it is read', input: undefined },
    ]);
  }
}

/**
 * Checks the call's shape; throws {@link InvalidRequestError} (nothing is written) if wrong,
 * or if the actor id is one countersign reserves for itself (`system…`).
 */
export function parseProposalRequest(
  toolRef: unknown,
  actorId: unknown,
  context: unknown,
): ProposalRequest {
  const parsed = readRequest(toolRef, actorId, context);
  if (!parsed.success) throw invalid(z.prettifyError(parsed.error), parsed.error.issues);
  const { toolRef: ref, actorId: given, context: c } = parsed.data;
  const canonical = canonicalActorId(given);
  if (isReservedActorId(canonical)) {
    throw invalid('actorId is reserved for countersign itself', [
      { code: 'custom', path: ['actorId'], message: 'reserved actor id', input: given },
    ]);
  }
  // Built field by field: spreading zod's output objects cost more than the parse itself.
  const fields: ProposalRequest['context'] = {
    input: c.input,
    scopes: c.scopes ?? [],
    // Absent and null are the same: no conversation, no case (no transform in the schema:
    // a zod pipe per field cost a twentieth of a validation).
    conversationId: c.conversationId ?? null,
    caseId: c.caseId ?? null,
    casePath: c.casePath,
  };
  if (c.idempotencyKey !== undefined) fields.idempotencyKey = c.idempotencyKey;
  return { toolRef: ref, actorId: canonical, context: fields, declaredScopes: c.scopes };
}

/**
 * Who makes the call, by the directory: with `resolveActor`, its canonical id and its
 * scopes, narrowed by any the caller declared; an actor it does not know (or a directory
 * that cannot answer) holds none. Without `resolveActor`, the declared scopes stand.
 */
export function identifyCaller(
  rt: GovernanceRuntime,
  req: ProposalRequest,
): MaybeAsync<ProposalRequest> {
  // Without a directory the answer is at hand: no promise for the common case.
  if (!rt.lanes.resolveActor) return req;
  return resolveActor(rt, req.actorId).then((actor) => {
    const scopes = actor.ok ? effectiveScopes(actor.scopes, req.declaredScopes) : [];
    const actorId = actor.ok ? actor.actorId : req.actorId;
    return { ...req, actorId, context: { ...req.context, scopes } };
  });
}
