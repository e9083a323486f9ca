import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/index.js';
import type { ToolDefinition } from '../../src/index.js';
import { needsApproval, recordingTool, workerOptions } from './support/sideEffectTools.js';
import type { Sql } from './support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite, waitFor } from './support/workerHarness.js';

// In a rolling deploy some workers lack the version a lane was approved for: they leave the
// lane to others instead of failing it, and only once no worker has taken it for
// toolUnavailableAfterMs does it fail as tool_unavailable.
const ghost = (sql: Sql): ToolDefinition =>
  recordingTool(sql, { ...needsApproval, name: 'ghost', version: '7' }, (tag) => ({ tag }));

describe('a worker without the approved tool version', () => {
  // The host knows ghost@7 and approves; it runs no workers.
  const h = useWorkerSuite({ tools: (sql) => [ghost(sql)], startWorkers: false });

  it('does not claim the lane; it fails tool_unavailable only after toolUnavailableAfterMs', async () => {
    const worker = await createGovernance(
      workerOptions(h.url, [recordingTool(h.sql, { ...needsApproval, name: 'other' }, () => 1)], {
        execution: { redriveAfterMs: 300, leaseGraceMs: 500, toolUnavailableAfterMs: 2_500 },
        enqueue: undefined,
      }),
    );
    try {
      await worker.startWorkers();
      const tag = uniqueTag('ghost');
      const { laneId } = await h.approvedLane('ghost', tag);

      // Re-driven and left alone, again and again: never claimed while the wait lasts.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await h.laneState(laneId)).toMatchObject({ status: 'approved', attempt: 0 });

      const failed = await waitFor(
        'the lane to fail once no worker took it',
        () => h.laneState(laneId),
        (lane) => lane.status === 'execution_failed',
      );
      expect(failed.failure).toMatchObject({ code: 'tool_unavailable' });
      expect(await h.runsOf(tag)).toEqual([]);
    } finally {
      await worker.close();
    }
  });
});
