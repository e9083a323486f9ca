import { describe, expect, it } from 'vitest';
import type { LaneResult } from '../../src/index.js';
import { useLaneHarness } from './support/laneHarness.js';

const LANES = 200;
const BATCH = 25;

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  }
  return out;
}

const decisionTypes = ['approved', 'rejected', 'deferred', 'expired'];

// 200 lanes, each hit by 8 contradictory decisions at once: one wins, the rest learn why.
describe('racing decisions', () => {
  const h = useLaneHarness();

  it('ends every lane with exactly one decision, one event and an intact chain', async () => {
    const lanes = await inBatches(
      Array.from({ length: LANES }, (_, i) => i),
      BATCH,
      () => h.openRefundLane(),
    );
    const jobsBefore = h.jobs.length;

    const outcomes = await inBatches(lanes, BATCH, async ({ laneId }) => {
      const results: LaneResult[] = await Promise.all([
        h.gov.approve(laneId, 'bob'),
        h.gov.approve(laneId, 'carol'),
        h.gov.reject(laneId, 'bob', { reason: 'amount too high' }),
        h.gov.reject(laneId, 'carol', { reason: 'duplicate order' }),
        h.gov.defer(laneId, 'bob', { reason: 'ask finance' }),
        h.gov.defer(laneId, 'carol', { reason: 'ask legal' }),
        h.gov.expire(laneId, { actorId: 'admin' }),
        h.gov.expire(laneId, { actorId: 'admin' }),
      ]);
      return { laneId, results };
    });

    const winnerStatus = new Map<string, string>();
    for (const { laneId, results } of outcomes) {
      const winners = results.flatMap((r) => (r.ok ? [r.approval] : []));
      expect(winners, `lane ${laneId}`).toHaveLength(1);
      const winner = winners[0]!;
      expect(winner.version).toBe(2);
      for (const r of results) {
        if (!r.ok) expect(['not_pending', 'conflict'], `lane ${laneId}`).toContain(r.error);
      }
      winnerStatus.set(laneId, winner.status);
    }

    const rows = await h.sql.query<{ id: string; status: string; version: number }>(
      'select id, status, version from tool_approvals',
    );
    const rowById = new Map(rows.map((r) => [r.id, r]));
    const decisions = await h.sql.query<{ approval_id: string; type: string; n: number }>(
      `select approval_id, type, count(*)::int as n from tool_action_events
        where approval_id is not null group by approval_id, type`,
    );
    for (const { laneId } of lanes) {
      const status = winnerStatus.get(laneId);
      const laneDecisions = decisions.filter(
        (d) => d.approval_id === laneId && decisionTypes.includes(d.type),
      );
      expect(laneDecisions, `lane ${laneId}`).toEqual([
        { approval_id: laneId, type: status, n: 1 },
      ]);
      expect(rowById.get(laneId), `lane ${laneId}`).toMatchObject({ status, version: 2 });
    }
    expect(decisions.filter((d) => d.type === 'approval_requested')).toHaveLength(LANES);
    expect(decisions.reduce((n, d) => n + d.n, 0)).toBe(2 * LANES);

    // Only approvals enqueue (the resume); the losers enqueued nothing.
    const jobs = h.jobs.slice(jobsBefore);
    expect(jobs.every((j) => j.name === 'countersign:approval-resume')).toBe(true);
    const approvedLanes = [...winnerStatus.values()].filter((v) => v === 'approved');
    expect(jobs).toHaveLength(approvedLanes.length);
    expect(h.counter.runs).toBe(0);

    const audits = await inBatches(lanes, BATCH, ({ proposalId }) =>
      h.gov.verifyAuditTrail(proposalId),
    );
    for (const audit of audits) expect(audit).toMatchObject({ ok: true, events: 3 });
  });
});
