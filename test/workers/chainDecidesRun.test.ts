import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk } from './support/lifecycle.js';
import {
  approver,
  fastExecution,
  needsApproval,
  recordingTool,
  sideEffectTools,
} from './support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite, waitFor } from './support/workerHarness.js';

// The README: "a status column alone never authorises a run". Here SQL plays an attacker
// without the signing key, setting lanes back to a step that runs; the chain decides.
const key = { keyId: 'chain-decides', hmacSecret: 'a signing secret of at least 32 bytes' };
const maxAttempts = 3;
// Re-drives come every `redriveAfterMs` (1 s here); this many of them pass in each window.
const REDRIVE_WINDOWS = 4;

describe('the chain, not the row, decides whether a lane runs', () => {
  const h = useWorkerSuite({
    tools: (sql) => [
      ...sideEffectTools(sql),
      recordingTool(sql, { ...needsApproval, name: 'always_fails', idempotent: true }, () => {
        throw new Error('always fails');
      }),
    ],
    overrides: {
      audit: { signingKey: key },
      execution: { ...fastExecution, maxAttempts, retryBackoffMs: 1000 },
    },
  });

  // Every lane the workers refused to claim because its row and its chain disagree.
  const reported: string[] = [];
  const onInconsistent = (message: unknown) =>
    void reported.push((message as { laneId: string }).laneId);
  beforeAll(() => subscribe('countersign:lane_inconsistent', onInconsistent));
  afterAll(() => unsubscribe('countersign:lane_inconsistent', onInconsistent));
  const reportsOf = (laneId: string) => reported.filter((id) => id === laneId).length;

  /**
   * Waits until the workers judged the forged lane (reported it, or ran it again), then lets
   * several re-drive intervals pass: the tool's runs stay at `runs`, and the lane was
   * reported once, not on every re-drive.
   */
  async function expectNoFurtherRun(laneId: string, tag: string, runs = 1) {
    await waitFor(
      `lane ${laneId} to be judged`,
      () => h.runsOf(tag),
      (rows) => rows.length > runs || reportsOf(laneId) > 0,
    );
    await sleep(REDRIVE_WINDOWS * fastExecution.redriveAfterMs);
    expect(await h.runsOf(tag)).toHaveLength(runs);
    expect(reportsOf(laneId)).toBe(1);
  }

  async function expectInconsistent(proposalId: string, laneId: string) {
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: false,
      problem: 'inconsistent',
      check: 'replay',
      laneId,
    });
  }

  it('an executed lane set back to approved never runs again and is reported inconsistent', async () => {
    const tag = uniqueTag('ship');
    const { proposalId, laneId } = await h.approvedLane('ship', tag);
    expect((await h.waitForLane(laneId)).status).toBe('executed');

    await h.sql.query(
      `update tool_approvals set status = 'approved', execution_state = null,
         updated_at = now() - interval '1 minute',
         snapshot = snapshot || '{"value":"approved","status":"active"}'::jsonb
       where id = ?`,
      [laneId],
    );

    await expectNoFurtherRun(laneId, tag);
    await expectInconsistent(proposalId, laneId);
  });

  it('a failed lane set back to queued never runs again and is reported inconsistent', async () => {
    const tag = uniqueTag('broken');
    const { proposalId, laneId } = await h.approvedLane('broken', tag);
    expect((await h.waitForLane(laneId)).status).toBe('execution_failed');

    await h.sql.query(
      `update tool_approvals set status = 'execution_pending', execution_state = 'queued',
         updated_at = now() - interval '1 minute',
         snapshot = snapshot || '{"value":{"execution_pending":"queued"},"status":"active"}'::jsonb
       where id = ?`,
      [laneId],
    );

    await expectNoFurtherRun(laneId, tag);
    await expectInconsistent(proposalId, laneId);
  });

  it('a lane restored from a backup taken while it was approved never runs again', async () => {
    const tag = uniqueTag('ship');
    const { proposalId, laneId } = await h.openLane('ship', tag);
    // No resume job: the lane stays approved until the reconciler re-drives it.
    expectOk(await h.gov.approve(laneId, approver, { enqueue: () => undefined }));
    await h.sql.query(
      `create table lane_backup as select * from tool_approvals where id = ? and status = 'approved'`,
      [laneId],
    );
    expect((await h.waitForLane(laneId)).status).toBe('executed');

    await h.sql.query(
      `update tool_approvals a set status = b.status, execution_state = b.execution_state,
         snapshot = b.snapshot, version = b.version, attempt = b.attempt,
         lease_until = b.lease_until, retry_at = b.retry_at, updated_at = b.updated_at
       from lane_backup b where a.id = b.id`,
      [],
    );
    expect((await h.laneState(laneId)).status).toBe('approved');

    await expectNoFurtherRun(laneId, tag);
    await expectInconsistent(proposalId, laneId);
  });

  it('an idempotent tool that keeps failing stops at maxAttempts, counted from the chain', async () => {
    const tag = uniqueTag('always_fails');
    const { laneId } = await h.approvedLane('always_fails', tag);

    const lane = await h.waitForLane(laneId);

    expect(lane).toMatchObject({ status: 'execution_failed', attempt: maxAttempts });
    expect((await h.runsOf(tag)).map((r) => r.attempt)).toEqual([1, 2, 3]);
  });

  it("resetting the row's attempt between attempts buys no attempt beyond maxAttempts", async () => {
    const tag = uniqueTag('always_fails');
    const { proposalId, laneId } = await h.openLane('always_fails', tag);
    // After each retry is scheduled (committed, before its job is due), SQL resets the count.
    const resets: Promise<unknown>[] = [];
    const onTransition = (message: unknown) => {
      const { laneId: id, event } = message as { laneId: string; event: string };
      if (id !== laneId || event !== 'EXECUTION_RETRY') return;
      resets.push(
        h.sql.query(
          `update tool_approvals set attempt = 0,
             snapshot = jsonb_set(snapshot, '{context,attempt}', '0')
           where id = ? and execution_state = 'queued'`,
          [laneId],
        ),
      );
    };
    subscribe('countersign:lane_transition', onTransition);
    try {
      expectOk(await h.gov.approve(laneId, approver));
      await waitFor(
        `lane ${laneId} to be judged`,
        () => h.runsOf(tag),
        (rows) => rows.length > maxAttempts || reportsOf(laneId) > 0,
      );
      await sleep(REDRIVE_WINDOWS * fastExecution.redriveAfterMs);
    } finally {
      unsubscribe('countersign:lane_transition', onTransition);
      await Promise.all(resets);
    }

    const runs = await h.runsOf(tag);
    expect(runs.length).toBeLessThanOrEqual(maxAttempts);
    expect(runs.map((r) => r.attempt)).toEqual(runs.map((_, i) => i + 1));
    expect(reportsOf(laneId)).toBe(1);
    await expectInconsistent(proposalId, laneId);
  });
});
