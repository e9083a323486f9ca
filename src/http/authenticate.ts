import type { onRequestAsyncHookHandler } from 'fastify';
import type { ResolveToken, TokenActor } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated actor; set before any handler runs. */
    actor: TokenActor | null;
  }
}

// RFC 9110 §11: the scheme is case-insensitive, and one or more spaces follow it.
const BEARER = /^Bearer +([\x21-\x7e]{1,512})$/i;

/**
 * Authenticates every request of its scope by its bearer token; without one, or with one
 * nobody issued, the request ends with 401 before its body is read.
 */
export function authenticate(resolveToken: ResolveToken): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    const actor = match ? await Promise.resolve(resolveToken(match[1]!)).catch(() => null) : null;
    if (!actor) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'unauthorized', message: 'a valid bearer token is required' });
      return;
    }
    request.actor = actor;
  };
}

/** The request's actor; only called in routes behind {@link authenticate}. */
export const actorOf = (request: { actor: TokenActor | null }): TokenActor => request.actor!;
