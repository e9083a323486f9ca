import { z } from 'zod';
import { idSchema } from '../pipeline/idSchema.js';
import { isStorableText as storable } from '../pipeline/storableJson.js';
const actorId = idSchema;
const text = z.string().max(4_000).refine(storable, 'contains unstorable characters');
const reason = text.trim().min(1, 'a reason is required');
/** An approver's edited input: any JSON here; the tool's schema judges it (gate 1). */
const input = z.unknown().optional();
/** The input hash the approver saw; a lane whose input changed since refuses the approval. */
const inputHash = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'an input hash as the lane shows it (64 hex digits)')
  .optional();

// The decisions, once: without `actorId` and edits, as batches and links take them; events
// from hosts add the actor, and an approval on one lane may carry an edited input.
const approve = z.strictObject({ type: z.literal('APPROVE'), note: text.optional(), inputHash });
const reject = z.strictObject({ type: z.literal('REJECT'), reason });
const deferral = z.strictObject({ type: z.literal('DEFER'), reason });
const expire = z.strictObject({ type: z.literal('EXPIRE') });

/**
 * Events a host may send to a lane (`send`, HTTP), each naming the actor who sends it.
 * Execution events are absent on purpose: only the execution worker may report that a tool
 * ran.
 */
export const hostLaneEventSchema = z.discriminatedUnion('type', [
  approve.extend({ actorId, input }),
  reject.extend({ actorId }),
  deferral.extend({ actorId }),
  expire.extend({ actorId }),
  z.strictObject({ type: z.literal('RESUME'), actorId }),
]);

/**
 * The decisions of a batch or a link: the same events without `actorId` (it comes from
 * authentication, or the link) and without edits.
 */
export const decisionEventSchema = z.discriminatedUnion('type', [
  approve,
  reject,
  deferral,
  expire,
]);

/** A decision on one lane over HTTP: an approval may carry an edited input. */
export const laneDecisionSchema = z.discriminatedUnion('type', [
  approve.extend({ input }),
  reject,
  deferral,
  expire,
]);

/** A lane event as a host sends it; the runtime adds the time and the actor's roles. */
export type HostLaneEvent = z.input<typeof hostLaneEventSchema>;
export type ParsedHostLaneEvent = z.output<typeof hostLaneEventSchema>;
