import { describe, expect, it } from 'vitest';
import { createGovernance } from '../../src/index.js';
import type { LaneJobRequest } from '../../src/index.js';
import { expectOk, openLane } from './support/lifecycle.js';
import { approver, sideEffectTools, workerOptions } from './support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite, waitFor } from './support/workerHarness.js';

describe('the execution worker', () => {
  const h = useWorkerSuite();

  /** A lane approved after the one under test has executed: the workers had their chance. */
  async function barrier() {
    const later = await h.approvedLane('ship', uniqueTag('barrier'));
    expect((await h.waitForLane(later.laneId)).status).toBe('executed');
  }

  it('fails a run that ignores its signal with `timeout` at the deadline, and aborts the signal', async () => {
    const tag = uniqueTag('slow');
    const { laneId } = await h.approvedLane('slow', tag);

    const lane = await h.waitForLane(laneId);

    expect(lane.status).toBe('execution_failed');
    expect(lane.failure).toMatchObject({ code: 'timeout' });
    // The run carries on in the background; when it wakes, its signal has been aborted.
    const [run] = await waitFor(
      'the slow run to record itself',
      () => h.runsOf(tag),
      (rows) => rows.length > 0,
    );
    expect(run).toMatchObject({ attempt: 1, note: 'aborted=true' });
    // Its late return changes nothing.
    expect(await h.laneState(laneId)).toMatchObject({
      status: 'execution_failed',
      version: lane.version,
    });
  });

  it('fails a throwing tool with `tool_error`; not idempotent, so it ran once', async () => {
    const tag = uniqueTag('broken');
    const { proposalId, laneId } = await h.approvedLane('broken', tag);

    const lane = await h.waitForLane(laneId);
    await barrier();

    expect(lane.status).toBe('execution_failed');
    // The tool's own words stay out of the trail; the failure names the kind of throw.
    expect(lane.failure).toEqual({ code: 'tool_error', message: 'the tool threw (Error)' });
    expect(await h.runsOf(tag)).toHaveLength(1);
    expect(await h.laneEventTypes(laneId)).toEqual([
      'approval_requested',
      'approved',
      'execution_enqueued',
      'execution_started',
      'execution_failed',
    ]);
    expect(await h.gov.getLatestApproval(proposalId)).toMatchObject({
      status: 'execution_failed',
      failure: { code: 'tool_error' },
      result: null,
    });
  });

  it('retries an idempotent tool with the same idempotency key until it succeeds', async () => {
    const tag = uniqueTag('flaky');
    const { proposalId, laneId } = await h.approvedLane('flaky', tag);

    const lane = await h.waitForLane(laneId);

    expect(lane).toMatchObject({ status: 'executed', attempt: 3, failure: null });
    expect(lane.result).toEqual({ settled: tag, attempt: 3 });
    const runs = await h.runsOf(tag);
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(new Set(runs.map((r) => r.idem_key)).size).toBe(1);
    expect(runs[0]!.idem_key).toContain(laneId);
    expect(await h.laneEventTypes(laneId)).toEqual([
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
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 10 });
  });

  it('refuses to run an input that no longer hashes to the approved one: input_mismatch, tool never ran', async () => {
    // A governance without workers whose jobs go nowhere: the lane waits, queued, with no job.
    const held: LaneJobRequest[] = [];
    const quiet = await createGovernance(
      workerOptions(h.url, sideEffectTools(h.sql), { enqueue: (job) => void held.push(job) }),
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
      await h.sql.query(`update tool_proposals set input_snapshot = ?::jsonb where id = ?`, [
        JSON.stringify({ tag: forged }),
        opened.proposalId,
      ]);
    } finally {
      await quiet.close();
    }

    // The running workers' reconciler re-drives the queued lane.
    const lane = await h.waitForLane(laneId);

    expect(lane.status).toBe('execution_failed');
    expect(lane.failure).toMatchObject({ code: 'input_mismatch' });
    expect(lane.attempt).toBe(0);
    expect(await h.runsOf(tag)).toEqual([]);
    expect(await h.runsOf(forged)).toEqual([]);
    expect(await h.laneEventTypes(laneId)).toEqual([
      'approval_requested',
      'approved',
      'execution_enqueued',
      'execution_failed',
    ]);
  });

  it("a claim's lease is the tool's timeout plus leaseGraceMs, as recorded in the chain", async () => {
    const { proposalId, laneId } = await h.approvedLane('ship', uniqueTag('lease'));
    expect((await h.waitForLane(laneId)).status).toBe('executed');

    const started = (await h.gov.listEvents(proposalId)).find(
      (e) => e.type === 'execution_started',
    );
    const claim = started?.payload.event as { at: string; leaseUntil: string };
    // ship keeps the default 30 s timeout; the suite's leaseGraceMs is 500.
    expect(Date.parse(claim.leaseUntil) - Date.parse(claim.at)).toBe(30_000 + 500);
  });
});
