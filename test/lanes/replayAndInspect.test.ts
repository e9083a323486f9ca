import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

/** The types of the events an inspector saw delivered (`@xstate.event`), in order. */
const deliveredTypes = (events: InspectionEvent[]) =>
  events.flatMap((e) => (e.type === '@xstate.event' ? [e.event.type] : []));

// replayLane rebuilds a lane's history from its audit events for an inspector; the
// governance-wide `inspect` sees live decisions.
describe('replayLane and inspection', () => {
  const live: InspectionEvent[] = [];
  const h = useLaneHarness({ inspect: (event) => live.push(event) });

  it('replays pending → approved → execution_pending consistently, showing every event', async () => {
    const { laneId } = await h.openRefundLane();
    expectOk(await h.gov.approve(laneId, 'bob', { note: 'fine' }));
    expectOk(await h.gov.executeApproved(laneId));
    const before = await h.fingerprint();

    const seen: InspectionEvent[] = [];
    const replay = await h.gov.replayLane(laneId, { inspect: (e) => seen.push(e) });

    expect(replay).toEqual({ ok: true, status: 'execution_pending', events: 2, consistent: true });
    const replayed = deliveredTypes(seen).filter((t) => t !== 'xstate.init');
    expect(replayed).toEqual(['APPROVE', 'RESUME']);
    expect(seen.some((e) => e.type === '@xstate.snapshot')).toBe(true);
    expect(await h.fingerprint()).toBe(before);
  });

  it('replays a rejected lane and a lane that is still pending', async () => {
    const rejected = await h.openRefundLane();
    expectOk(await h.gov.reject(rejected.laneId, 'carol', { reason: 'no' }));
    const pending = await h.openRefundLane();

    const seen: InspectionEvent[] = [];
    expect(await h.gov.replayLane(rejected.laneId, { inspect: (e) => seen.push(e) })).toEqual({
      ok: true,
      status: 'rejected',
      events: 1,
      consistent: true,
    });
    expect(deliveredTypes(seen)).toContain('REJECT');
    expect(await h.gov.replayLane(pending.laneId)).toEqual({
      ok: true,
      status: 'pending',
      events: 0,
      consistent: true,
    });
  });

  it('reports a stored snapshot that its events do not reproduce as inconsistent', async () => {
    const { laneId } = await h.openRefundLane();
    expectOk(await h.gov.approve(laneId, 'bob'));
    await h.sql.query(
      `update tool_approvals
          set snapshot = jsonb_set(snapshot, '{context,decision,actorId}', '"carol"')
        where id = ?`,
      [laneId],
    );
    expect(await h.gov.replayLane(laneId)).toMatchObject({ ok: true, consistent: false });
  });

  it('answers not_found for an unknown lane', async () => {
    for (const id of ['5e0d7a1b-2c3f-4a5b-9c8d-7e6f5a4b3c2d', 'nope']) {
      expect(await h.gov.replayLane(id)).toEqual({ ok: false, error: 'not_found' });
    }
  });

  it("passes createGovernance's inspect to the actors of live decisions", async () => {
    const { laneId } = await h.openRefundLane();
    live.length = 0;
    expectOk(await h.gov.approve(laneId, 'bob'));
    const approvals = live.filter((e) => e.type === '@xstate.event' && e.event.type === 'APPROVE');
    expect(approvals).toHaveLength(1);
    expect(approvals[0]!.type === '@xstate.event' && approvals[0]!.event).toMatchObject({
      actorId: 'bob',
    });

    live.length = 0;
    expectOk(await h.gov.executeApproved(laneId));
    expect(deliveredTypes(live)).toContain('RESUME');
  });

  it('shows lane openings to the inspector as well', async () => {
    live.length = 0;
    await h.openRefundLane();
    expect(live.some((e) => e.type === '@xstate.actor')).toBe(true);
    expect(
      live.some(
        (e) =>
          e.type === '@xstate.snapshot' && (e.snapshot as { value?: unknown }).value === 'pending',
      ),
    ).toBe(true);
  });
});
