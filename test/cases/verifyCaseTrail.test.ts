import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../proposals/fixtures.js';

const h = useHarness(undefined, { enqueue: () => {} });

let n = 0;
async function openCase(): Promise<string> {
  const policy = `trail-${(n += 1)}`;
  await h.gov.definePolicy(policy, {}, { actorId: 'admin' });
  const created = await h.gov.createCase({ policy, actorId: 'agent-1' });
  if (!created.ok) throw new Error(created.error);
  await h.gov.completeCase(created.case.id, { actorId: 'agent-1' });
  return created.case.id;
}

describe('verifyCaseTrail of a case that is not there', () => {
  it.each([
    ['an unknown UUID', randomUUID()],
    ['an unknown run id', 'run-never-created'],
  ])('%s is not_found, never a tamper alarm', async (_label, caseId) => {
    const verification = await h.gov.verifyCaseTrail(caseId);
    expect(verification).toEqual({
      ok: false,
      problem: 'not_found',
      seq: 0,
      eventId: null,
      caseId,
      anchored: false,
    });
  });

  it('a case row deleted behind its events is still a broken trail, not an unknown case', async () => {
    const caseId = await openCase();
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true, events: 2 });
    await h.sql.query('delete from governance_cases where id = ?', [caseId]);
    const verification = await h.gov.verifyCaseTrail(caseId);
    expect(verification.ok).toBe(false);
    expect(verification).not.toMatchObject({ problem: 'not_found' });
  });

  it("a case's events deleted behind its row are a removed trail, not an unknown case", async () => {
    const caseId = await openCase();
    await h.sql.query('delete from case_events where case_id = ?', [caseId]);
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: false, problem: 'removed' });
  });
});
