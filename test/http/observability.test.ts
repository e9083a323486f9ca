import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { registerPrometheusMetrics } from '../../src/index.js';
import { useHttpSuite } from './support/httpHarness.js';

// A host's SDK, installed before the governance starts: spans to memory, metrics to Prometheus.
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const prometheus = registerPrometheusMetrics();

describe('OpenTelemetry: one trace from the HTTP approve to the tool run; Prometheus metrics', () => {
  const s = useHttpSuite({ server: { metrics: prometheus } });

  it('the approve request, the lane decision, the job and the tool run share one trace', async () => {
    const proposed = await s.call('agent', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'traced' },
    });
    const opened = await s.call(
      'agent',
      'POST',
      `/proposals/${proposed.body.proposal.id}/lanes`,
      {},
    );
    const laneId = opened.body.approval.id as string;
    spans.reset();
    const approved = await s.call('approver', 'POST', `/lanes/${laneId}/events`, {
      type: 'APPROVE',
    });
    expect(approved.status).toBe(200);
    await s.h.waitForLane(laneId);
    // The job's span ends after the run's: wait for both.
    const ended = (name: string) => spans.getFinishedSpans().find((x) => x.name === name);
    for (let i = 0; i < 100 && !ended('countersign:approval-resume'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const run = ended('countersign.tool.run');
    const finished = spans.getFinishedSpans();
    const request = finished.find((x) => x.name === 'POST /lanes/:laneId/events');
    expect(request, finished.map((x) => x.name).join(', ')).toBeDefined();
    expect(run).toBeDefined();
    const traceId = request!.spanContext().traceId;
    expect(run!.spanContext().traceId).toBe(traceId);
    expect(run!.attributes['countersign.lane_id']).toBe(laneId);
    const inTrace = finished.filter((x) => x.spanContext().traceId === traceId).map((x) => x.name);
    expect(inTrace).toEqual(
      expect.arrayContaining([
        'POST /lanes/:laneId/events',
        'countersign.lane.decide',
        'countersign:approval-resume',
        'countersign.tool.run',
      ]),
    );
    const decide = finished.find((x) => x.name === 'countersign.lane.decide')!;
    expect(decide.attributes['countersign.outcome']).toBe('approved');
  });

  it('serves the metrics to an authenticated scraper', async () => {
    expect((await s.call(null, 'GET', '/metrics')).status).toBe(401);
    const res = await s.call('approver', 'GET', '/metrics');
    expect(res.status).toBe(200);
    const text = res.body as string;
    expect(text).toMatch(/countersign_lanes\{status="executed"[^}]*\} 1/);
    expect(text).toMatch(/countersign_lane_transitions_total\{[^}]*to="executed"/);
    expect(text).toMatch(/countersign_lane_decision_to_executed_count\{[^}]*\} 1/);
    expect(text).toMatch(/countersign_tool_runs_total\{[^}]*ok="true"[^}]*\} 1/);
  });
});
