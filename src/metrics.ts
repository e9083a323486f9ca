import { metrics } from '@opentelemetry/api';
import type { Counter, Histogram, ObservableResult } from '@opentelemetry/api';
import { subscribe } from 'node:diagnostics_channel';
import { countLanesByStatus } from '../persistence/laneList.repository.js';
import type { GovernanceRuntime } from './governanceRuntime.js';

interface Instruments {
  transitions: Counter;
  toolRuns: Counter;
  decisionToExecuted: Histogram;
  expiryLag: Histogram;
}

// Created from the meter provider registered when a governance starts (the metrics API,
// unlike tracing, has no proxy); the channels are subscribed once per process.
let instruments: Instruments | null = null;

interface TransitionMessage {
  to: string;
  from: string | null;
  event: string;
  expiresAt: string | null;
  decidedAt: string | null;
  actorId: string | null;
}

function onTransition(message: unknown): void {
  if (!instruments) return;
  const m = message as TransitionMessage;
  instruments.transitions.add(1, { to: m.to, event: m.event });
  const now = Date.now();
  if ((m.to === 'executed' || m.to === 'execution_failed') && m.decidedAt) {
    instruments.decisionToExecuted.record(now - Date.parse(m.decidedAt), { status: m.to });
  }
  // Expiry lag: how late the system's expiry landed after the deadline.
  if (m.to === 'expired' && m.expiresAt && m.actorId?.startsWith('system')) {
    instruments.expiryLag.record(Math.max(0, now - Date.parse(m.expiresAt)));
  }
}

function onExecution(message: unknown): void {
  const m = message as { ok?: boolean };
  instruments?.toolRuns.add(1, { ok: m.ok === true });
}

/**
 * Records countersign's metrics through OpenTelemetry from the telemetry channels: lane
 * transitions, tool runs, decision → executed latency (ms), expiry lag (ms), and the number
 * of lanes by status (read when the metrics are collected). Returns what stops the last.
 */
export function recordMetrics(rt: GovernanceRuntime): () => void {
  const meter = metrics.getMeter('countersign');
  const first = instruments === null;
  instruments = {
    transitions: meter.createCounter('countersign.lane.transitions', {
      description: 'Lane transitions, by the status reached and the event',
    }),
    toolRuns: meter.createCounter('countersign.tool.runs', {
      description: 'Tool runs, by outcome',
    }),
    decisionToExecuted: meter.createHistogram('countersign.lane.decision_to_executed', {
      description: 'From the decision to the end of the run',
      unit: 'ms',
    }),
    expiryLag: meter.createHistogram('countersign.lane.expiry_lag', {
      description: 'How long after its deadline a lane was expired',
      unit: 'ms',
    }),
  };
  if (first) {
    subscribe('countersign:lane_transition', onTransition);
    subscribe('countersign:execution_finished', onExecution);
  }
  const lanes = meter.createObservableGauge('countersign.lanes', {
    description: 'Lanes by status',
  });
  const observe = async (result: ObservableResult) => {
    const counts = await rt.withEm('metrics', countLanesByStatus).catch(() => []);
    for (const { status, count } of counts) result.observe(count, { status });
  };
  lanes.addCallback(observe);
  return () => lanes.removeCallback(observe);
}
