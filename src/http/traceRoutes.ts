import { propagation, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { RouteOptions } from 'fastify';
import { inSpan } from '../tracing.js';

/**
 * An `onRoute` hook: every handler of the scope runs in a server span, a child of the
 * caller's `traceparent` when it sends one, so the jobs the request declares join its trace.
 */
export function traceRoute(route: RouteOptions): void {
  const handler = route.handler;
  route.handler = function (this: unknown, request, reply) {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    return inSpan(
      `${request.method} ${route.url}`,
      { 'http.request.method': request.method, 'http.route': route.url },
      async (span) => {
        const result: unknown = await handler.call(this as never, request, reply);
        span.setAttribute('http.response.status_code', reply.statusCode);
        return result;
      },
      { parent, kind: SpanKind.SERVER },
    );
  };
}
