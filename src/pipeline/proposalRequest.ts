import { z } from 'zod';
import { InvalidRequestError } from '../errors/invalidRequestError.js';
import type { ToolRef } from '../tools/toolRegistry.js';
import { isStorableText } from './storableJson.js';

const UNSTORABLE = 'contains a NUL character or an unpaired surrogate';
const id = z.string().trim().min(1).max(256).refine(isStorableText, UNSTORABLE);

const toolRefSchema = z.union([
  z.string().min(1).max(128),
  z.strictObject({
    name: z.string().min(1).max(128),
    version: z.string().min(1).max(64).optional(),
  }),
]);

// Strict: a misspelt field (`scope` for `scopes`) must fail loudly, not weaken a gate.
const contextSchema = z.strictObject({
  input: z.unknown(),
  scopes: z
    .array(z.string().min(1).max(256).refine(isStorableText, UNSTORABLE))
    .max(1_000)
    .default([]),
  conversationId: id.nullish().transform((v) => v ?? null),
  caseId: id.nullish().transform((v) => v ?? null),
  idempotencyKey: id.optional(),
});

// Built once: zod compiles a schema's fast path on first use, which costs far more than a parse.
const requestSchema = z.object({ toolRef: toolRefSchema, actorId: id, context: contextSchema });

/** What a host passes to `validate` / `propose` besides the tool and the actor. */
export type ProposalContext = z.input<typeof contextSchema>;

/** A checked call: the shape is right; whether it passes the gates is another matter. */
export interface ProposalRequest {
  toolRef: ToolRef;
  actorId: string;
  context: z.output<typeof contextSchema>;
}

/** Checks the call's shape; throws {@link InvalidRequestError} (nothing is written) if wrong. */
export function parseProposalRequest(
  toolRef: unknown,
  actorId: unknown,
  context: unknown,
): ProposalRequest {
  const parsed = requestSchema.safeParse({ toolRef, actorId, context });
  if (!parsed.success) {
    throw new InvalidRequestError(
      `invalid proposal request: ${z.prettifyError(parsed.error)}`,
      parsed.error.issues,
    );
  }
  return parsed.data;
}
