import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isCountersignError } from '../errors/countersignError.js';
import { isInvalidRequestError } from '../errors/invalidRequestError.js';
import { isPolicyError } from '../errors/policyError.js';
import type { LaneError, LaneResult } from '../lanes/laneResult.js';
import { refusalMessage } from './errorMessages.js';

/** The body of every error response: a code a program can switch on and a message. */
export const errorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.unknown()).optional(),
});

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The HTTP status of each refused lane operation. */
export const laneErrorStatus: Record<LaneError, number> = {
  not_found: 404,
  forbidden: 403,
  invalid_event: 400,
  not_pending: 409,
  not_approved: 409,
  not_executing: 409,
  not_requires_approval: 409,
  not_auto: 409,
  proposal_blocked: 409,
  expired: 409,
  conflict: 409,
  edit_refused: 422,
};

/** The HTTP status of each refused case operation. */
export const caseErrorStatus = {
  not_found: 404,
  unknown_policy: 404,
  duplicate: 409,
  case_closed: 409,
  invalid_event: 400,
  conflict: 409,
} as const;

const clientErrorCodes: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * The error handler: schema failures and invalid calls are 400 with their issues, Fastify's
 * own client errors keep their status (413 body too large, 415, 429), a database failure is
 * 503, anything else 500 without internals.
 */
export function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({
      path: v.instancePath,
      message: v.message,
      ...(v.params.issue ? { code: (v.params.issue as { code?: string }).code } : {}),
    }));
    return reply.code(400).send({
      error: 'invalid_request',
      message: `invalid ${error.validationContext ?? 'request'}: ${error.message}`,
      issues,
    });
  }
  if (isInvalidRequestError(error) || isPolicyError(error)) {
    return reply.code(400).send({
      error: error.code,
      message: error.message,
      ...('issues' in error ? { issues: error.issues } : {}),
    });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = clientErrorCodes[status] ?? 'client_error';
    return reply.code(status).send({ error: code, message: error.message });
  }
  if (isCountersignError(error) && error.code === 'database') {
    request.log.error(error);
    return reply.code(503).send({ error: error.code, message: 'the database is unavailable' });
  }
  request.log.error(error);
  return reply.code(500).send({ error: 'internal_error', message: 'internal error' });
}

/** Sends a lane operation's result: `okStatus` when it happened, else its error's status. */
export function sendLaneResult(
  reply: FastifyReply,
  result: LaneResult,
  okStatus = 200,
): FastifyReply {
  if (result.ok) return reply.code(okStatus).send(result);
  return sendRefusal(reply, laneErrorStatus[result.error], result);
}

/** Sends a refusal that kept its own fields (`ok`, `reason`, …) with the error body's two. */
export function sendRefusal(
  reply: FastifyReply,
  status: number,
  result: { error: string; reason?: string | null; detail?: string },
): FastifyReply {
  const message = refusalMessage(result.error, result.reason, result.detail);
  return reply.code(status).send({ ...result, message });
}

/** The not-found handler: an unknown route answers the same body as every other error. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0]!.slice(0, 200);
  return reply
    .code(404)
    .send({ error: 'not_found', message: `there is no route ${request.method} ${path}` });
}
