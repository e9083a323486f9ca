import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk } from './support/lifecycle.js';
import { approver } from './support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite, waitFor } from './support/workerHarness.js';
import type { JobRow } from './support/workerHarness.js';

const ignore = () => undefined;

// Payloads round-trip through JSON and anyone with access to the job table can write one:
// each must be checked on arrival, fail its job with a reason, and touch no lane.
describe('lane jobs with garbage payloads', () => {
  // The sweep runs once at start and then not for an hour, so only the jobs under test
  // can move these lanes.
  const h = useWorkerSuite({
    jobClient: true,
    overrides: { scheduler: { processEveryMs: 200, reconcileEveryMs: 3_600_000 } },
  });
  /** Lanes each one valid job away from moving: due for expiry, approved, queued. */
  const lanes = { expiry: '', resume: '', execution: '' };
  const tags = {
    expiry: uniqueTag('due'),
    resume: uniqueTag('approved'),
    execution: uniqueTag('queued'),
  };

  beforeAll(async () => {
    await waitFor(
      'the first reconcile sweep',
      () =>
        h.sql.query(
          `select 1 from countersign_jobs where name = 'countersign:reconcile' and last_finished_at is not null`,
        ),
      (rows) => rows.length === 1,
    );

    // Decisions whose jobs go nowhere: the lanes wait for a job that only this test sends.
    lanes.expiry = (await h.openLane('ship', tags.expiry, { ttlSeconds: 1 })).laneId;
    lanes.resume = (await h.openLane('ship', tags.resume)).laneId;
    expectOk(await h.gov.approve(lanes.resume, approver, { enqueue: ignore }));
    lanes.execution = (await h.openLane('ship', tags.execution)).laneId;
    expectOk(await h.gov.approve(lanes.execution, approver, { enqueue: ignore }));
    expectOk(await h.gov.executeApproved(lanes.execution, { enqueue: ignore }));
    const due = (await h.laneState(lanes.expiry)).expires_at_ms!;
    await waitFor(
      'the lane deadline to pass',
      () => Date.now(),
      (now) => now > due + 10,
    );
  });

  async function waitForFailure(id: string): Promise<JobRow> {
    const row = await waitFor(
      `job ${id} to fail`,
      () => h.jobRow(id),
      (r) => r === null || r.failed_at !== null,
    );
    expect(row, `job ${id} succeeded (and was removed) instead of failing`).not.toBeNull();
    return row!;
  }

  const cases = [
    { step: 'expiry', name: 'countersign:approval-expiry' },
    { step: 'resume', name: 'countersign:approval-resume' },
    { step: 'execution', name: 'countersign:tool-execution' },
  ] as const;

  it.each(cases.map((c) => [c.name, c.step] as const))(
    '%s: each bad payload fails its job with the reason; no lane changes',
    async (name, step) => {
      const laneId = lanes[step];
      const unknown = randomUUID();
      const payloads: { data: unknown; reason: RegExp }[] = [
        {
          data: {},
          reason: /invalid payload: .*expected string, received undefined[\s\S]*at laneId/,
        },
        {
          data: { laneId: 42 },
          reason: /invalid payload: .*expected string, received number[\s\S]*at laneId/,
        },
        {
          data: { laneId: 'not-a-uuid' },
          reason: /invalid payload: .*Invalid UUID[\s\S]*at laneId/,
        },
        { data: { laneId: unknown }, reason: new RegExp(`no lane ${unknown}`) },
        { data: { laneId, extra: 1 }, reason: /invalid payload: .*Unrecognized key: "extra"/ },
      ];
      const before = await h.fingerprint();
      const laneBefore = await h.laneState(laneId);

      const ids = [];
      for (const p of payloads) ids.push(await h.jobs.now(name, p.data));
      const failed = [];
      for (const id of ids) failed.push(await waitForFailure(id));

      for (const [i, row] of failed.entries()) {
        expect(row.fail_reason, JSON.stringify(payloads[i]!.data)).toMatch(payloads[i]!.reason);
        expect(row.fail_reason!.startsWith(`${name}: `)).toBe(true);
      }
      expect(await h.fingerprint()).toBe(before);
      expect(await h.laneState(laneId)).toEqual(laneBefore);
      const [{ n }] = (await h.sql.query<{ n: number }>(
        `select count(*)::int as n from side_effects`,
      )) as [{ n: number }];
      expect(n).toBe(0);
    },
  );

  // The control: the same lanes move as soon as a well-formed job arrives, so "unchanged"
  // above was the payload check at work, not lanes nothing could move.
  it('the same lanes move when a well-formed job for them arrives', async () => {
    const ids = await Promise.all(
      cases.map(({ step, name }) => h.jobs.now(name, { laneId: lanes[step] })),
    );

    expect((await h.waitForLane(lanes.expiry)).status).toBe('expired');
    expect((await h.waitForLane(lanes.resume)).status).toBe('executed');
    expect((await h.waitForLane(lanes.execution)).status).toBe('executed');
    expect(await h.runsOf(tags.resume)).toHaveLength(1);
    expect(await h.runsOf(tags.execution)).toHaveLength(1);
    expect(await h.runsOf(tags.expiry)).toEqual([]);
    for (const id of ids) {
      await waitFor(
        `job ${id} to be removed`,
        () => h.jobRow(id),
        (r) => r === null,
      );
    }
  });
});
