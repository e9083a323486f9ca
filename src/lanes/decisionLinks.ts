import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isLinkUsed, linkUseParts } from '../../persistence/decisionLink.repository.js';
import type { AuditKeys } from '../audit/signing.js';
import { ConfigurationError } from '../errors/configurationError.js';
import { parseRequest } from '../errors/invalidRequestError.js';
import type { Enqueue, GovernanceRuntime } from '../governanceRuntime.js';
import { idSchema } from '../pipeline/idSchema.js';
import { committed } from './applyLaneEvents.js';
import { decisionEventSchema } from './laneEventSchema.js';
import type { LaneResult } from './laneResult.js';
import { transitionLane } from './laneTransition.js';
import { stamp } from './sendLaneEvent.js';

/** What `createDecisionLink` binds into a link. */
export interface DecisionLinkOptions {
  decision: 'APPROVE' | 'REJECT' | 'DEFER';
  /** Who the link decides as: a person other than the proposer, with the role the lane needs. */
  approverId: string;
  /** Seconds the link stays usable. @default 86400 */
  expiresIn?: number | undefined;
}

/** A link's token, or why none was made. */
export type DecisionLinkResult =
  | { ok: true; token: string; expiresAt: string }
  | { ok: false; error: 'not_found' | 'not_pending' };

/** Why a link was refused; nothing was written for any of them. */
export type DecisionLinkRefusal = 'invalid_link' | 'link_expired' | 'link_used' | 'input_changed';

/** What using a link did: the lane's result, or the link's refusal. */
export type UseDecisionLinkResult =
  LaneResult | { ok: false; error: DecisionLinkRefusal; reason?: string };

const STATEMENT = 'countersign.decision-link/1\n';

const payloadSchema = z.strictObject({
  keyId: z.string(),
  laneId: z.uuid(),
  decision: z.enum(['APPROVE', 'REJECT', 'DEFER']),
  approverId: idSchema,
  inputHash: z.string().regex(/^[0-9a-f]{64}$/),
  expiresAt: z.iso.datetime(),
  nonce: z.uuid(),
});

const optionsSchema = z.strictObject({
  decision: z.enum(['APPROVE', 'REJECT', 'DEFER']),
  approverId: idSchema,
  expiresIn: z.number().int().positive().max(31_536_000).default(86_400),
});

function signer(keys: AuditKeys): AuditKeys {
  if (!keys.anchored) {
    throw new ConfigurationError('decision links need a signing key: the decisionLinks option');
  }
  return keys;
}

/**
 * A one-time link that decides `laneId` as `approverId`: signed (with the key id, so keys
 * rotate) over the lane, the decision, the approver, the lane's input hash, an expiry and a
 * nonce. Anyone holding it can use it once, before it expires, while the lane is pending and
 * its input unchanged.
 */
export async function createDecisionLink(
  rt: GovernanceRuntime,
  keys: AuditKeys,
  laneId: string,
  options: DecisionLinkOptions,
): Promise<DecisionLinkResult> {
  const parsed = parseRequest(optionsSchema, options, 'decision link options');
  const signing = signer(keys);
  const found = await rt.laneStore.read(laneId);
  if (!found) return { ok: false, error: 'not_found' };
  if (found.lane.status !== 'pending') return { ok: false, error: 'not_pending' };
  const expiresAt = new Date(rt.now().getTime() + parsed.expiresIn * 1000).toISOString();
  const body = {
    laneId,
    decision: parsed.decision,
    approverId: parsed.approverId,
    inputHash: found.lane.inputHash,
    expiresAt,
    nonce: randomUUID(),
  };
  const payload = Buffer.from(JSON.stringify({ keyId: signing.signingKeyId, ...body })).toString(
    'base64url',
  );
  const { signature } = signing.sign(`${STATEMENT}${payload}`)!;
  // Signatures are base64url (Ed25519's with an `ed25519:` prefix): safe in a URL as they are.
  return { ok: true, token: `${payload}.${signature}`, expiresAt };
}

/** Reads and checks a token's signature; null for anything forged, altered or unknown. */
function readToken(keys: AuditKeys, token: unknown): z.infer<typeof payloadSchema> | null {
  if (typeof token !== 'string' || token.length > 4_096) return null;
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  try {
    const body = payloadSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString()));
    if (!body.success) return null;
    return keys.check(`${STATEMENT}${payload}`, body.data.keyId, signature) === 'valid'
      ? body.data
      : null;
  } catch {
    return null;
  }
}

/**
 * Decides the link's lane as its approver, exactly once: the link's use is recorded in the
 * statement that writes the decision. Refused, with nothing written: a forged, altered or
 * unknown-key token, an expired or used link, a lane whose input changed or that is no
 * longer pending, and every refusal the decision itself would meet (four-eyes, role).
 */
export async function useDecisionLink(
  rt: GovernanceRuntime,
  keys: AuditKeys,
  token: unknown,
  fields: { note?: string; reason?: string } = {},
  enqueue: Enqueue = rt.lanes.enqueue,
): Promise<UseDecisionLinkResult> {
  const link = readToken(keys, token);
  if (!link) return { ok: false, error: 'invalid_link' };
  if (Date.parse(link.expiresAt) <= rt.now().getTime()) return { ok: false, error: 'link_expired' };
  if (await rt.withEm('useDecisionLink', (em) => isLinkUsed(em, link.nonce))) {
    return { ok: false, error: 'link_used' };
  }
  const found = await rt.laneStore.read(link.laneId);
  if (!found) return { ok: false, error: 'not_found' };
  if (found.lane.inputHash !== link.inputHash) return { ok: false, error: 'input_changed' };
  // An approval names the input the link was made for: the machine checks it too.
  const text =
    link.decision === 'APPROVE'
      ? { note: fields.note, inputHash: link.inputHash }
      : { reason: fields.reason };
  const decision = decisionEventSchema.safeParse(
    Object.fromEntries(
      Object.entries({ type: link.decision, ...text }).filter(([, v]) => v !== undefined),
    ),
  );
  if (!decision.success)
    return { ok: false, error: 'invalid_event', issues: decision.error.issues };
  const event = await stamp(rt, { ...decision.data, actorId: link.approverId });
  if ('refused' in event) return { ok: false, error: 'forbidden', reason: event.refused };
  const transition = transitionLane(found, [event], { inspect: rt.lanes.inspect, keys: rt.audit });
  if (!transition.write) return transition.result;
  const written = await rt.laneStore.writeAlongside(
    transition.write,
    linkUseParts(link.nonce, link.laneId),
  );
  if (!written)
    return { ok: false, error: 'link_used', reason: 'the link or its lane was used meanwhile' };
  return committed(
    transition.write.row,
    transition.effects,
    found.lane.status,
    link.decision,
    enqueue,
  );
}
