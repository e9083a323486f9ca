import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Governance } from '../governanceApi.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import type { TokenActor } from './tokens.js';

/** The authenticated scope routes are added to, typed by their zod schemas. */
export type Api = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What every route module gets: the facade, its runtime, and the runtime as an actor. */
export interface RouteContext {
  governance: Governance;
  rt: GovernanceRuntime;
  acting: (actor: TokenActor) => GovernanceRuntime;
}

/** Ids countersign issues are UUIDs: anything else is a 400, not a lookup. */
export const uuidParam = <K extends string>(name: K) =>
  z.strictObject({ [name]: z.uuid(`${name} must be a UUID`) } as Record<K, z.ZodUUID>);
