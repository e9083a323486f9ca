import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/index.js';
import type { Governance, LaneJobRequest } from '../../src/index.js';
import { approvedLane, expectOk, openLane } from './support/lifecycle.js';
import { approver, sideEffectTools } from './support/sideEffectTools.js';
import {
  laneEventTypes,
  laneState,
  runsOf,
  startWorkerSuite,
  uniqueTag,
  waitFor,
  waitForLane,
  workerOptions,
} from './support/workerHarness.js';
import type { Sql, WorkerSuite } from './support/workerHarness.js';

describe('the execution worker', () => {
  let suite: WorkerSuite;
  let sql: Sql;
  let gov: Governance;

  beforeAll(async () => {
    suite = await startWorkerSuite();
    ({ sql, gov } = suite);
  });
  afterAll(async () => {
    await suite?.close();
  });

  /** A lane approved after the one under test has executed: the workers had their chance. */
  async function barrier() {
    const later = await approvedLane(gov, 'ship', uniqueTag('barrier'));
    expect((await waitForLane(sql, later.laneId)).status).toBe('executed');
  }

  it('fails a run that ignores its signal with `timeout` at the deadline, and aborts the signal', async () => {
    const tag = uniqueTag('slow');
    const { laneId } = await approvedLane(gov, 'slow', tag);

    const lane = await waitForLane(sql, laneId);

    expect(lane.status).toBe('execution_failed');
    expect(lane.failure).toMatchObject({ code: 'timeout' });
    // The run carries on in the background; when it wakes, its signal has been aborted.
    const [run] = await waitFor(
      'the slow run to record itself',
      () => runsOf(sql, tag),
      (rows) => rows.length > 0,
    );
    expect(run).toMatchObject({ attempt: 1, note: 'aborted=true' });
    // Its late return changes nothing.
    expect(await laneState(sql, laneId)).toMatchObject({
      status: 'execution_failed',
      version: lane.version,
    });
  });

  it('fails a throwing tool with `tool_error`; not idempotent, so it ran once', async () => {
    const tag = uniqueTag('broken');
    const { proposalId, laneId } = await approvedLane(gov, 'broken', tag);

    const lane = await waitForLane(sql, laneId);
    await barrier();

    expect(lane.status).toBe('execution_failed');
    expect(lane.failure).toEqual({
      code: 'tool_error',
      message: `broken tool failed for ${tag}`,
    });
    expect(await runsOf(sql, tag)).toHaveLength(1);
    expect(await laneEventTypes(sql, laneId)).toEqual([
      'approval_requested',
      'approved',
      'execution_enqueued',
      'execution_started',
      'execution_failed',
    ]);
    expect(await gov.getLatestApproval(proposalId)).toMatchObject({
      status: 'execution_failed',
      failure: { code: 'tool_error' },
      result: null,
    });
  });

  it('retries an idempotent tool with the same idempotency key until it succeeds', async () => {
    const tag = uniqueTag('flaky');
    const { proposalId, laneId } = await approvedLane(gov, 'flaky', tag);

    const lane = await waitForLane(sql, laneId);

    expect(lane).toMatchObject({ status: 'executed', attempt: 3, failure: null });
    expect(lane.result).toEqual({ settled: tag, attempt: 3 });
    const runs = await runsOf(sql, tag);
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(new Set(runs.map((r) => r.idem_key)).size).toBe(1);
    expect(runs[0]!.idem_key).toContain(laneId);
    expect(await laneEventTypes(sql, laneId)).toEqual([
      'approval_requested',
      'approved',
      'execution_enqueued',
      'execution_started',
      'execution_retry_scheduled',
      'execution_started',
      'execution_retry_scheduled',
      'execution_started',
      'executed',
    ]);
    expect(await gov.verifyAuditTrail(proposalId)).toEqual({ ok: true, events: 10 });
  });

  it('refuses to run an input that no longer hashes to the approved one: input_mismatch, tool never ran', async () => {
    // A governance without workers whose jobs go nowhere: the lane waits, queued, with no job.
    const held: LaneJobRequest[] = [];
    const quiet = await createGovernance(
      workerOptions(suite.url, sideEffectTools(sql), { enqueue: (job) => void held.push(job) }),
    );
    const tag = uniqueTag('tamper');
    const forged = uniqueTag('forged');
    let laneId: string;
    try {
      const opened = await openLane(quiet, 'ship', tag);
      laneId = opened.laneId;
      expectOk(await quiet.approve(laneId, approver));
      expect(expectOk(await quiet.executeApproved(laneId))).toMatchObject({
        status: 'execution_pending',
        executionState: 'queued',
      });
      expect(held.map((j) => j.name)).toContain('countersign:tool-execution');
      await sql.query(`update tool_proposals set input_snapshot = ?::jsonb where id = ?`, [
        JSON.stringify({ tag: forged }),
        opened.proposalId,
      ]);
    } finally {
      await quiet.close();
    }

    // The running workers' reconciler re-drives the queued lane.
    const lane = await waitForLane(sql, laneId);

    expect(lane.status).toBe('execution_failed');
    expect(lane.failure).toMatchObject({ code: 'input_mismatch' });
    expect(lane.attempt).toBe(0);
    expect(await runsOf(sql, tag)).toEqual([]);
    expect(await runsOf(sql, forged)).toEqual([]);
    expect(await laneEventTypes(sql, laneId)).toEqual([
      'approval_requested',
      'approved',
      'execution_enqueued',
      'execution_failed',
    ]);
  });
});
