import { describe, expect, it } from 'vitest';
import { useHttpSuite } from './support/httpHarness.js';
import type { JsonBody } from './support/httpHarness.js';

describe('HTTP API: a whole lifecycle through HTTP alone', () => {
  const s = useHttpSuite();

  it('propose → request → approve by a second token → executed, read back with its chain verified', async () => {
    const proposed = await s.call('agent', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'http-e2e' },
      conversationId: 'conv-http-1',
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body.proposal).toMatchObject({
      actorId: 'agent-7',
      status: 'proposed',
      approvalMode: 'requires_approval',
    });
    const proposalId = proposed.body.proposal.id as string;

    const opened = await s.call('agent', 'POST', `/proposals/${proposalId}/lanes`, {});
    expect(opened.status).toBe(201);
    const laneId = opened.body.approval.id as string;
    expect(opened.body.approval.status).toBe('pending');

    const approved = await s.call('approver', 'POST', `/lanes/${laneId}/events`, {
      type: 'APPROVE',
      note: 'looks right',
    });
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toMatchObject({ status: 'approved', decidedBy: 'reviewer-1' });

    let lane: JsonBody;
    for (let i = 0; i < 100; i++) {
      lane = (await s.call('approver', 'GET', `/lanes/${laneId}`)).body;
      if (lane.approval.status === 'executed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(lane.approval.status).toBe('executed');
    expect(lane.approval.result).toEqual({ shipped: 'http-e2e', laneId, proposalId });
    expect(lane.replay).toMatchObject({ ok: true, status: 'executed', consistent: true });
    expect(lane.events.map((e: { type: string }) => e.type)).toContain('executed');

    const read = await s.call('agent', 'GET', `/proposals/${proposalId}`);
    expect(read.status).toBe(200);
    expect(read.body.lane).toMatchObject({ id: laneId, status: 'executed' });
    expect(read.body.events.map((e: { type: string }) => e.type)).toEqual([
      'proposal_created',
      'approval_requested',
      'approved',
      'execution_enqueued',
      'execution_started',
      'executed',
    ]);
    const verified = await s.call('agent', 'GET', `/proposals/${proposalId}/verification`);
    expect(verified.body).toMatchObject({ ok: true, events: 6 });
    const listed = await s.call('agent', 'GET', `/conversations/conv-http-1/proposals`);
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([proposalId]);
    expect((await s.h.runsOf('http-e2e')).length).toBe(1);
  });

  it('a long-poll on the outcome returns when the approved call has run', async () => {
    const proposed = await s.call('agent', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'http-wait' },
    });
    const proposalId = proposed.body.proposal.id as string;
    const opened = await s.call('agent', 'POST', `/proposals/${proposalId}/lanes`, {});
    const now = await s.call('agent', 'GET', `/proposals/${proposalId}/outcome`);
    expect(now.body).toMatchObject({
      settled: false,
      reason: 'timeout',
      approval: { status: 'pending' },
    });
    const waiting = s.call('agent', 'GET', `/proposals/${proposalId}/outcome?wait=30s`);
    await s.call('approver', 'POST', `/lanes/${opened.body.approval.id}/events`, {
      type: 'APPROVE',
    });
    const outcome = await waiting;
    expect(outcome.status).toBe(200);
    expect(outcome.body).toMatchObject({
      settled: true,
      status: 'executed',
      approval: { result: { shipped: 'http-wait' } },
    });
    expect(
      (await s.call('agent', 'GET', `/proposals/${proposalId}/outcome?wait=forever`)).status,
    ).toBe(400);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await s.call('agent', 'GET', `/proposals/${unknown}/outcome`)).status).toBe(404);
  });

  it('executes an auto proposal; the tool sees its lane, proposal and case ids', async () => {
    const proposed = await s.call('agent', 'POST', '/proposals', {
      tool: 'lookup',
      input: { tag: 'http-auto' },
    });
    expect(proposed.status).toBe(201);
    const id = proposed.body.proposal.id;
    const run = await s.call('agent', 'POST', `/proposals/${id}/execution`);
    expect(run.status).toBe(201);
    const lane = await s.h.waitForLane(run.body.approval.id);
    expect(lane.status).toBe('executed');
  });

  it('serves the lane machine, health and an OpenAPI 3.1 document without a token', async () => {
    const machine = await s.call('agent', 'GET', '/machine');
    expect(machine.body).toMatchObject({ id: expect.any(String), states: expect.any(Object) });
    expect((await s.call(null, 'GET', '/healthz')).body).toEqual({ ok: true });
    const doc = await s.call(null, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/proposals', '/lanes', '/lanes/{laneId}/events', '/events']),
    );
    const ui = await fetch(`${s.base}/docs`);
    expect(ui.status).toBe(200);
  });
});
