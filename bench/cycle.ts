import { transition } from 'xstate';
import type { Snapshot } from 'xstate';
import { approvalLaneMachine } from '../machines/approvalLane.machine.js';
import { runPersistedCycle } from '../machines/persistedActor.js';
import type { LaneEvent, LaneInput } from '../machines/laneTypes.js';

const input: LaneInput = {
  laneId: '6f1c0a52-0000-4000-8000-000000000001',
  proposalId: '6f1c0a52-0000-4000-8000-000000000002',
  proposerId: 'agent-7',
  requiredRole: 'approver',
  inputHash: 'a'.repeat(64),
  expiresAt: '2100-01-01T00:00:00.000Z',
  requestedBy: 'agent-7',
  at: '2099-01-01T00:00:00.000Z',
};
const approve: LaneEvent = {
  type: 'APPROVE',
  actorId: 'dana',
  actorRoles: ['approver'],
  at: '2099-01-01T00:00:01.000Z',
};

/** Mean µs per call of `decide` over `n` calls, after a warm-up. */
function micros(n: number, decide: () => void): number {
  for (let i = 0; i < 2_000; i += 1) decide();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) decide();
  return Number(process.hrtime.bigint() - started) / 1000 / n;
}

/**
 * The CPU one decision spends in the machine: the persisted-actor cycle (restore a pending
 * lane from JSON, approve, persist) next to the same decision through XState's pure
 * `transition()`, which the cycle would use instead if it were cheaper.
 */
export function runCycleBench(): void {
  const opened = runPersistedCycle(approvalLaneMachine, { input }, []);
  if (!opened.ok) throw new Error(opened.detail);
  const json = JSON.stringify(opened.start.persisted);
  const n = 20_000;
  const cycle = micros(n, () => {
    const start = { snapshot: JSON.parse(json) as Snapshot<unknown> };
    const result = runPersistedCycle(approvalLaneMachine, start, [approve]);
    if (!result.ok) throw new Error(result.detail);
  });
  const pure = micros(n, () => {
    const restored = approvalLaneMachine.resolveState(JSON.parse(json) as never);
    const [next] = transition(approvalLaneMachine, restored, approve);
    JSON.stringify(approvalLaneMachine.getPersistedSnapshot(next));
  });
  console.log(
    `lane cycle per decision: actor cycle ${cycle.toFixed(1)} µs | pure transition() ${pure.toFixed(1)} µs` +
      ` (${n.toLocaleString('en-US')} decisions each)`,
  );
}
