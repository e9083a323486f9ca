import { describe, expect, it } from 'vitest';
import { runtimeOf } from '../../src/runtimeOf.js';
import { transitionLane } from '../../src/lanes/laneTransition.js';
import { useWorkerSuite } from '../workers/support/workerHarness.js';
import { approver, proposer } from '../workers/support/sideEffectTools.js';

describe('decideMany: atomic batches', () => {
  const h = useWorkerSuite({ startWorkers: false });
  const lanes = (n: number, tag: string) =>
    Promise.all(Array.from({ length: n }, (_, i) => h.openLane('ship', `${tag}-${i}`)));
  const approveAll = (ids: string[]) =>
    ids.map((laneId) => ({ laneId, event: { type: 'APPROVE' as const } }));

  it('a batch of 500 with one lane no longer pending writes nothing and names it', async () => {
    const batch = await lanes(500, 'bad-one');
    const decided = batch[250]!;
    await h.gov.reject(decided.laneId, approver, { reason: 'earlier' });
    const before = await h.fingerprint();
    const result = await h.gov.decideMany(approveAll(batch.map((l) => l.laneId)), approver);
    expect(result).toEqual({
      ok: false,
      refusals: [expect.objectContaining({ laneId: decided.laneId, error: 'not_pending' })],
    });
    expect(await h.fingerprint()).toBe(before);
  });

  it("names every refusal: the proposer's own lanes (four-eyes), an unknown lane", async () => {
    const batch = await lanes(3, 'own');
    const unknown = '00000000-0000-4000-8000-000000000000';
    const before = await h.fingerprint();
    const result = await h.gov.decideMany(
      approveAll([...batch.map((l) => l.laneId), unknown]),
      proposer,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusals).toEqual([
      ...batch.map((l) => ({ laneId: l.laneId, error: 'forbidden', reason: 'four_eyes' })),
      { laneId: unknown, error: 'not_found' },
    ]);
    expect(await h.fingerprint()).toBe(before);
  });

  it('a clean batch of 1,000 commits together, each lane with its audit event', async () => {
    const batch = await lanes(1_000, 'clean');
    const mixed = batch.map((l, i) =>
      i % 2 === 0
        ? { laneId: l.laneId, event: { type: 'APPROVE' as const, note: 'batch' } }
        : { laneId: l.laneId, event: { type: 'REJECT' as const, reason: 'batch' } },
    );
    const result = await h.gov.decideMany(mixed, approver);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.approvals).toHaveLength(1_000);
    const [row] = await h.sql.query<{ approved: number; rejected: number; events: number }>(
      `select count(*) filter (where a.status = 'approved')::int as approved,
              count(*) filter (where a.status = 'rejected')::int as rejected,
              (select count(*) from tool_action_events e
                 where e.approval_id::text = any(string_to_array(?, ','))
                 and e.type in ('approved', 'rejected'))::int as events
         from tool_approvals a where a.id::text = any(string_to_array(?, ','))`,
      [batch.map((l) => l.laneId).join(','), batch.map((l) => l.laneId).join(',')],
    );
    expect(row).toEqual({ approved: 500, rejected: 500, events: 1_000 });
    expect(await h.gov.verifyAuditTrail(batch[0]!.proposalId)).toMatchObject({ ok: true });
  });

  it('two overlapping batches racing: one wins whole, the other is refused whole', async () => {
    const batch = await lanes(200, 'race');
    const ids = batch.map((l) => l.laneId);
    const first = [...ids.slice(0, 120)];
    const second = [...ids.slice(80)];
    const [a, b] = await Promise.all([
      h.gov.decideMany(approveAll(first), approver),
      h.gov.decideMany(approveAll(second), 'reviewer-2'),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const [winner, loser] = a.ok ? [first, second] : [second, first];
    const rows = await h.sql.query<{ id: string; status: string }>(
      "select id, status from tool_approvals where id::text = any(string_to_array(?, ','))",
      [ids.join(',')],
    );
    const status = new Map(rows.map((r) => [r.id, r.status]));
    expect(winner.every((id) => status.get(id) === 'approved')).toBe(true);
    expect(
      loser.filter((id) => !winner.includes(id)).every((id) => status.get(id) === 'pending'),
    ).toBe(true);
  });

  it('the batch statement writes every lane or none: a lane that moved after judging aborts it', async () => {
    const [a, b] = await lanes(2, 'moved');
    const rt = runtimeOf(h.gov);
    const at = new Date().toISOString();
    const event = { type: 'APPROVE' as const, actorId: approver, actorRoles: [], at };
    const writes = await Promise.all(
      [a!, b!].map(
        async (l) =>
          transitionLane((await rt.laneStore.read(l.laneId))!, [event], {
            inspect: undefined,
            keys: rt.audit,
          }).write!,
      ),
    );
    await h.gov.reject(b!.laneId, approver, { reason: 'first' });
    const before = await h.fingerprint();
    expect(await rt.laneStore.writeAll(writes)).toBe(false);
    expect(await h.fingerprint()).toBe(before);
    expect((await h.gov.getApproval(a!.laneId))?.status).toBe('pending');
  });

  it('refuses a malformed batch as invalid, writing nothing', async () => {
    const [lane] = await lanes(1, 'malformed');
    const id = lane!.laneId;
    for (const bad of [
      [],
      approveAll([id, id]),
      [{ laneId: 'nope', event: { type: 'APPROVE' } }],
      [{ laneId: id, event: { type: 'RESUME' } }],
      [{ laneId: id, event: { type: 'APPROVE', actorId: 'someone-else' } }],
      Array.from({ length: 1_001 }, () => ({ laneId: id, event: { type: 'APPROVE' } })),
    ]) {
      await expect(h.gov.decideMany(bad as never, approver)).rejects.toMatchObject({
        code: 'invalid_request',
      });
    }
    expect((await h.gov.getApproval(id))?.status).toBe('pending');
  });
});
