import { describe, expect, it } from 'vitest';
import { useHttpSuite } from './support/httpHarness.js';

describe('HTTP API: verifying a trail', () => {
  const s = useHttpSuite({ startWorkers: false });
  const unknown = '00000000-0000-4000-8000-000000000000';

  it('404 for an unknown proposal, like every unknown id; nothing written', async () => {
    const before = await s.h.fingerprint();
    const res = await s.call('approver', 'GET', `/proposals/${unknown}/verification`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found', message: 'no such proposal' });
    expect(await s.h.fingerprint()).toBe(before);
  });

  it('404 for an unknown case, like every unknown id; nothing written', async () => {
    const before = await s.h.fingerprint();
    const res = await s.call('approver', 'GET', `/cases/${unknown}/verification`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found', message: 'no such case' });
    expect((await s.call('approver', 'GET', '/cases/run-2026-unknown/verification')).status).toBe(
      404,
    );
    expect(await s.h.fingerprint()).toBe(before);
  });

  it('200 for a known trail, intact or tampered with: a 404 never hides an edit', async () => {
    const proposed = await s.call('agent', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'verified' },
    });
    const id = proposed.body.proposal.id as string;
    const intact = await s.call('approver', 'GET', `/proposals/${id}/verification`);
    expect(intact.status).toBe(200);
    expect(intact.body).toMatchObject({ ok: true, events: 1 });

    await s.h.sql.query(
      `update tool_action_events set payload = payload || '{"riskTier":"low"}' where proposal_id = ?`,
      [id],
    );
    const edited = await s.call('approver', 'GET', `/proposals/${id}/verification`);
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ ok: false, problem: 'edited' });

    await s.h.gov.definePolicy('verified', {}, { actorId: 'admin' });
    const made = await s.call('agent', 'POST', '/cases', { policy: 'verified' });
    const kase = await s.call('approver', 'GET', `/cases/${made.body.case.id}/verification`);
    expect(kase.status).toBe(200);
    expect(kase.body).toMatchObject({ ok: true, caseId: made.body.case.id });

    // A case row edited behind its chain is still a trail to report, not an error.
    await s.h.sql.query(`update governance_cases set status = 'completed' where id = ?`, [
      made.body.case.id,
    ]);
    const moved = await s.call('approver', 'GET', `/cases/${made.body.case.id}/verification`);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ ok: false, problem: 'inconsistent' });
  });
});
