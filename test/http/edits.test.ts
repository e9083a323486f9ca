import { describe, expect, it } from 'vitest';
import { useHttpSuite } from './support/httpHarness.js';

describe('HTTP API: edit, then approve', () => {
  const s = useHttpSuite();

  async function openShip(tag: string) {
    const proposed = await s.call('agent', 'POST', '/proposals', { tool: 'ship', input: { tag } });
    const id = proposed.body.proposal.id as string;
    const opened = await s.call('agent', 'POST', `/proposals/${id}/lanes`, {});
    return opened.body.approval.id as string;
  }

  it('a lane says what may be edited, with the input as JSON Schema for a form', async () => {
    const laneId = await openShip('edit-schema');
    const lane = await s.call('approver', 'GET', `/lanes/${laneId}`);
    expect(lane.body.editing).toMatchObject({
      allowed: true,
      fields: ['qty'],
      inputSchema: {
        type: 'object',
        properties: { tag: { type: 'string' }, qty: { type: 'integer' } },
      },
    });
  });

  it('a refused edit is 422 with the gate and its issues; the lane stays pending', async () => {
    const laneId = await openShip('edit-refused');
    const before = await s.h.fingerprint();
    const bad = await s.call('approver', 'POST', `/lanes/${laneId}/events`, {
      type: 'APPROVE',
      input: { tag: 'edit-refused', qty: -1 },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ error: 'edit_refused', reason: 'needs_input' });
    expect(bad.body.issues[0].path).toEqual(['qty']);
    const field = await s.call('approver', 'POST', `/lanes/${laneId}/events`, {
      type: 'APPROVE',
      input: { tag: 'somewhere-else' },
    });
    expect(field.status).toBe(422);
    expect(field.body).toMatchObject({ reason: 'field_not_editable' });
    expect(field.body.message).toContain('/tag');
    expect(await s.h.fingerprint()).toBe(before);
  });

  it('an accepted edit is approved and runs as edited', async () => {
    const laneId = await openShip('edit-ok');
    const ok = await s.call('approver', 'POST', `/lanes/${laneId}/events`, {
      type: 'APPROVE',
      note: 'three of them',
      input: { tag: 'edit-ok', qty: 3 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.approval.edit).toMatchObject({
      input: { tag: 'edit-ok', qty: 3 },
      diff: [{ path: '/qty', after: 3 }],
      by: 'reviewer-1',
    });
    await s.h.waitForLane(laneId, ['executed']);
    expect((await s.h.runsOf('edit-ok')).map((r) => r.note)).toEqual(['qty=3']);
  });
});
