import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';

// OpenTelemetry's API is a no-op until the host registers an SDK; the tracer is a proxy,
// so one taken now starts recording once an SDK is registered.
const tracer = trace.getTracer('countersign');

// Until then a span records nothing and nothing reads it, so none is made: making one cost
// about a twentieth of a proposal's CPU.
const noSpan = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const tracing = () => {
  const provider = trace.getTracerProvider();
  return (
    !(provider instanceof ProxyTracerProvider) ||
    provider.getDelegateTracer('countersign') !== undefined
  );
};

/**
 * Runs `fn` in an active span named `name` (a child of the active span, or of `parent`),
 * ending it when `fn` settles; a thrown error is recorded on the span and rethrown.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: { parent?: Context; kind?: SpanKind } = {},
): Promise<T> {
  if (!tracing()) return fn(noSpan);
  const run = async (span: Span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  };
  const spanOptions = { attributes, kind: options.kind ?? SpanKind.INTERNAL };
  return options.parent
    ? tracer.startActiveSpan(name, spanOptions, options.parent, run)
    : tracer.startActiveSpan(name, spanOptions, run);
}
