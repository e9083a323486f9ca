import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { payer, useHarness } from '../proposals/fixtures.js';
import { appendEvents, draft } from './chainSql.js';

const h = useHarness();

/** A fresh stored proposal (unique input, so never a duplicate) and its first event's id. */
async function freshProposal() {
  const result = await h.gov.propose('refund', 'agent-a', {
    input: { orderId: randomUUID(), cents: 25 },
    ...payer,
  });
  if (!result.ok) throw new Error(`expected a proposal, got ${result.outcome}`);
  const [event] = await h.gov.listEvents(result.proposal.id);
  return { id: result.proposal.id, firstEventId: event!.id };
}

/** A fresh proposal with two more chained events: seq 1, 2, 3. */
async function threeEventProposal() {
  const { id, firstEventId } = await freshProposal();
  const [second, third] = await appendEvents(h.sql, id, [draft('lane_opened'), draft('approved')]);
  return { id, ids: [firstEventId, second!.id, third!.id] as const };
}

describe('an untouched trail', () => {
  it('verifies a fresh proposal', async () => {
    const { id } = await freshProposal();
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({ ok: true, events: 1 });
  });

  it('verifies a fresh blocked proposal', async () => {
    const blocked = await h.gov.propose('refund', 'agent-a', { input: { cents: 'x' } });
    expect(await h.gov.verifyAuditTrail(blocked.proposal!.id)).toMatchObject({
      ok: true,
      events: 1,
    });
  });

  it('verifies a three-event chain', async () => {
    const { id } = await threeEventProposal();
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({ ok: true, events: 3 });
  });

  it.each([
    ['an unknown uuid', '00000000-0000-4000-8000-000000000000'],
    ['a malformed id', 'nope'],
  ])('reports not_found for %s', async (_label, id) => {
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({
      ok: false,
      problem: 'not_found',
      seq: 0,
      eventId: null,
    });
  });
});

describe('an event row edited with SQL', () => {
  it.each([
    ['payload', `payload = '{"outcome":"forged"}'::jsonb`],
    ['payload (one field)', `payload = jsonb_set(payload, '{riskTier}', '"low"')`],
    ['type', `type = 'proposal_blocked'`],
    ['actor_id', `actor_id = 'mallory'`],
    ['created_at', `created_at = created_at - interval '1 day'`],
    ['prev_hash', `prev_hash = repeat('1', 64)`],
    ['hash', `hash = repeat('2', 64)`],
  ])('is named when its %s changed', async (_column, set) => {
    const { id, firstEventId } = await freshProposal();
    await h.sql.query(`update tool_action_events set ${set} where id = ?`, [firstEventId]);
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 1,
      eventId: firstEventId,
    });
  });

  it('is named in the middle of a longer chain', async () => {
    const { id, ids } = await threeEventProposal();
    await h.sql.query(`update tool_action_events set payload = '{}'::jsonb where id = ?`, [ids[1]]);
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 2,
      eventId: ids[1],
    });
  });

  it('is detected when the proposal’s recorded head is edited', async () => {
    const { id } = await freshProposal();
    await h.sql.query(`update tool_proposals set audit_head = repeat('3', 64) where id = ?`, [id]);
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 1,
      eventId: null,
    });
  });

  it('does not affect other proposals', async () => {
    const tampered = await freshProposal();
    const intact = await freshProposal();
    await h.sql.query(`update tool_action_events set actor_id = 'x' where id = ?`, [
      tampered.firstEventId,
    ]);
    expect(await h.gov.verifyAuditTrail(intact.id)).toMatchObject({ ok: true, events: 1 });
  });
});

describe('an event row removed with SQL', () => {
  it('reports the only (last) event of a fresh proposal as removed', async () => {
    const { id, firstEventId } = await freshProposal();
    await h.sql.query('delete from tool_action_events where id = ?', [firstEventId]);
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({
      ok: false,
      problem: 'removed',
      seq: 1,
      eventId: null,
    });
  });

  it('reports a removed last event of a longer chain at its seq', async () => {
    const { id, ids } = await threeEventProposal();
    await h.sql.query('delete from tool_action_events where id = ?', [ids[2]]);
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({
      ok: false,
      problem: 'removed',
      seq: 3,
      eventId: null,
    });
  });

  it('reports a removed middle event at its seq', async () => {
    const { id, ids } = await threeEventProposal();
    await h.sql.query('delete from tool_action_events where id = ?', [ids[1]]);
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({
      ok: false,
      problem: 'removed',
      seq: 2,
      eventId: null,
    });
  });
});

describe('event rows reordered with SQL', () => {
  it('reports two swapped seq values as reordered, naming the row now first', async () => {
    const { id, ids } = await threeEventProposal();
    // Three steps, because (proposal_id, seq) is unique at every row.
    await h.sql.query('update tool_action_events set seq = -2 where id = ?', [ids[1]]);
    await h.sql.query('update tool_action_events set seq = 2 where id = ?', [ids[2]]);
    await h.sql.query('update tool_action_events set seq = 3 where id = ?', [ids[1]]);
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({
      ok: false,
      problem: 'reordered',
      seq: 2,
      eventId: ids[2],
    });
  });

  it('reports an event moved over from another proposal', async () => {
    const { id, ids } = await threeEventProposal();
    const donor = await threeEventProposal();
    await h.sql.query('delete from tool_action_events where id = ?', [ids[1]]);
    await h.sql.query('update tool_action_events set proposal_id = ? where id = ?', [
      id,
      donor.ids[1],
    ]);
    // The moved row's hash covers its original proposal id.
    expect(await h.gov.verifyAuditTrail(id)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 2,
      eventId: donor.ids[1],
    });
  });
});
