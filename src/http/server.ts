import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ConfigurationError } from '../errors/configurationError.js';
import type { Governance } from '../governanceApi.js';
import { runtimeOf } from '../runtimeOf.js';
import { actingRuntime } from './actingRuntime.js';
import { actorOf, authenticate } from './authenticate.js';
import { caseRoutes } from './caseRoutes.js';
import { consoleRoutes } from './consoleRoutes.js';
import { eventStreamRoutes } from './eventStream.js';
import type { EventStreamOptions } from './eventStream.js';
import { handleError, handleNotFound } from './httpErrors.js';
import { traceRoute } from './traceRoutes.js';
import { laneRoutes } from './laneRoutes.js';
import { linkRoutes } from './linkRoutes.js';
import { proposalRoutes } from './proposalRoutes.js';
import type { ResolveToken, TokenActor } from './tokens.js';
import { validatorCompiler } from './validatorCompiler.js';
import { MAX_ENCODED_CASE_ID } from '../pipeline/idSchema.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Maps a bearer token to the actor it acts as (see `tokenDirectory` for stored hashes). */
  resolveToken: ResolveToken;
  /** Largest request body in bytes; larger ones get 413. @default 524288 */
  bodyLimit?: number | undefined;
  /** Requests per token per window; over it, 429. `false` turns the limit off. @default 6000 a minute */
  rateLimit?: { max: number; timeWindowMs: number } | false | undefined;
  /**
   * Uses of decision links per client address per window (that route has no token to count
   * by); over it, 429. `false` turns the limit off. @default 120 a minute
   */
  linkRateLimit?: { max: number; timeWindowMs: number } | false | undefined;
  /** Fastify's logger option. @default false */
  logger?: FastifyServerOptions['logger'] | undefined;
  /**
   * Serves this exporter's metrics at `/metrics`, authenticated like every route (register
   * its MeterProvider before `createGovernance`). @default none
   */
  metrics?: PrometheusExporter | undefined;
  /** How the `/events` stream polls the audit trail. */
  eventStream?: EventStreamOptions | undefined;
  /** Serves the approver's console at `/console/` (static; it signs in with a token). @default true */
  console?: boolean | undefined;
}

/** The Fastify instance of {@link createServer}, with countersign's routes and zod schemas. */
export type CountersignServer = FastifyInstance;

/**
 * An HTTP API over a governance: every route but `/healthz`, `/openapi.json`, `/docs`, the
 * console's static files and `/decision-links/use` (where the signed link is the credential)
 * needs a bearer token, and acts as the token's actor. Not listening yet: call `listen`, or
 * mount it in a host's own server. Closing it does not close the governance.
 *
 * @example
 * const server = await createServer(gov, { resolveToken: tokenDirectory(readTokensFile('tokens.json')) });
 * await server.listen({ port: Number(process.env.PORT ?? 8080), host: '127.0.0.1' });
 */
export async function createServer(
  governance: Governance,
  options: ServerOptions,
): Promise<CountersignServer> {
  if (typeof options?.resolveToken !== 'function') {
    throw new ConfigurationError('createServer needs a resolveToken function');
  }
  const rt = runtimeOf(governance);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 524_288,
    forceCloseConnections: true,
    // A case id in a path may be 200 characters, each percent-encoded.
    routerOptions: { maxParamLength: MAX_ENCODED_CASE_ID },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.decorateRequest('actor', null);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'countersign',
        description: 'Governed tool calls: proposals, approval lanes, cases and their audit trail.',
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  const open = app.withTypeProvider<ZodTypeProvider>();
  open.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  open.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(async (scope) => {
    if (options.linkRateLimit !== false) {
      const { max, timeWindowMs } = options.linkRateLimit ?? { max: 120, timeWindowMs: 60_000 };
      await scope.register(fastifyRateLimit, { max, timeWindow: timeWindowMs });
    }
    linkRoutes(scope.withTypeProvider<ZodTypeProvider>(), governance);
  });
  if (options.console !== false) await consoleRoutes(app);
  // Everything else lives in a scope that authenticates first, then limits per token.
  await app.register(async (scope) => {
    scope.addHook('onRequest', authenticate(options.resolveToken));
    scope.addHook('onRoute', traceRoute);
    if (options.rateLimit !== false) {
      const { max, timeWindowMs } = options.rateLimit ?? { max: 6_000, timeWindowMs: 60_000 };
      await scope.register(fastifyRateLimit, {
        max,
        timeWindow: timeWindowMs,
        hook: 'preHandler',
        keyGenerator: (request) => request.actor?.actorId ?? request.ip,
      });
    }
    const api = scope.withTypeProvider<ZodTypeProvider>();
    const context = { governance, rt, acting: (actor: TokenActor) => actingRuntime(rt, actor) };
    api.get(
      '/me',
      { schema: { tags: ['lanes'], summary: "The token's actor: its id, scopes and roles" } },
      async (request) => actorOf(request),
    );
    proposalRoutes(api, context);
    laneRoutes(api, context);
    caseRoutes(api, context);
    eventStreamRoutes(api, rt, options.eventStream);
    const prometheus = options.metrics;
    if (prometheus) {
      api.get('/metrics', { schema: { hide: true } }, (request, reply) => {
        reply.hijack();
        prometheus.getMetricsRequestHandler(request.raw, reply.raw);
      });
    }
  });
  return app;
}
