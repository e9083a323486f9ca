import { describe, expect, it } from 'vitest';
import { payer, useHarness } from '../proposals/fixtures.js';
import { rewriteAsLegacy } from '../support/legacyTrail.js';

// SQL plays someone who can write to the database but holds no key: every change to what
// the trail means is reported, as the row and the check that found it, and nothing throws.

const h = useHarness(undefined, { enqueue: () => {} });
let orders = 0;

/** A refund proposed by agent-a, with its lane approved by reviewer-1 when asked. */
async function refundTrail(stage: 'proposed' | 'pending' | 'approved') {
  orders += 1;
  const proposed = await h.gov.propose('refund', 'agent-a', {
    input: { orderId: `o-meaning-${orders}`, cents: 700 },
    ...payer,
  });
  if (!proposed.ok) throw new Error('blocked');
  const proposalId = proposed.proposal.id;
  if (stage === 'proposed') return { proposalId, laneId: '' };
  const lane = await h.gov.requestApproval(proposalId);
  if (!lane.ok) throw new Error(lane.error);
  if (stage === 'approved') await h.gov.approve(lane.approval.id, 'reviewer-1');
  return { proposalId, laneId: lane.approval.id };
}

const firstEvent = async (proposalId: string) => {
  const [row] = await h.sql.query<{ id: string }>(
    'select id from tool_action_events where proposal_id = ? order by seq limit 1',
    [proposalId],
  );
  return row!.id;
};

describe('verification checks meaning', () => {
  it.each(['proposed', 'approved'] as const)(
    'an input edited in a %s proposal is reported as digest_mismatch',
    async (stage) => {
      const { proposalId } = await refundTrail(stage);
      await h.sql.query(
        `update tool_proposals set input_snapshot = jsonb_set(input_snapshot, '{cents}', '1') where id = ?`,
        [proposalId],
      );
      expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
        ok: false,
        problem: 'digest_mismatch',
        check: 'digest',
        seq: 1,
      });
    },
  );

  it.each([
    ['the tool name', `tool_name = 'note'`],
    ['the tool version', `tool_version = '9'`],
    ['the proposer', `actor_id = 'agent-b'`],
    ['the conversation', `conversation_id = 'elsewhere'`],
    ['the tool snapshot', `tool_snapshot = jsonb_set(tool_snapshot, '{timeoutMs}', '1')`],
  ])('%s changed with SQL is reported as digest_mismatch', async (_what, set) => {
    const { proposalId } = await refundTrail('pending');
    await h.sql.query(`update tool_proposals set ${set} where id = ?`, [proposalId]);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: false,
      problem: 'digest_mismatch',
    });
  });

  it.each([
    ['status forced to approved', `status = 'approved'`],
    ['status forced to executed', `status = 'executed'`],
    ['another decision', `decided_by = 'mallory'`],
    ['the version', `version = version + 5`],
    ['the snapshot forced to approved', `snapshot = jsonb_set(snapshot, '{value}', '"approved"')`],
  ])('a lane with %s is reported inconsistent, naming the lane', async (_what, set) => {
    const { proposalId, laneId } = await refundTrail('pending');
    await h.sql.query(`update tool_approvals set ${set} where id = ?`, [laneId]);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: false,
      problem: 'inconsistent',
      check: 'replay',
      laneId,
    });
  });

  it('a lane row with no events in the chain is reported inconsistent', async () => {
    const { proposalId, laneId } = await refundTrail('pending');
    await h.sql.query(`update tool_action_events set approval_id = null where approval_id = ?`, [
      laneId,
    ]);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: false });
  });

  it.each([
    ['infinity', `created_at = 'infinity'`],
    ['-infinity', `created_at = '-infinity'`],
    ['year 10000', `created_at = '10000-01-01T00:00:00Z'`],
    ['a 1 µs shift', `created_at = created_at + interval '1 microsecond'`],
    ['a changed event id', `id = gen_random_uuid()`],
  ])('%s is reported as the edited row, never thrown', async (_what, set) => {
    const { proposalId } = await refundTrail('approved');
    const id = await firstEvent(proposalId);
    await h.sql.query(`update tool_action_events set ${set} where id = ?`, [id]);
    const found = await h.gov.verifyAuditTrail(proposalId);
    expect(found).toMatchObject({ ok: false, problem: 'edited', seq: 1 });
  });

  it('a payload that is not an object is reported, never thrown', async () => {
    const { proposalId } = await refundTrail('approved');
    await h.sql.query(
      `update tool_action_events set payload = 'null'::jsonb where proposal_id = ? and seq = 3`,
      [proposalId],
    );
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: false, seq: 3 });
    expect(await h.gov.listEvents(proposalId)).toHaveLength(3);
  });
});

describe('trails written before call digests', () => {
  const asLegacy = (proposalId: string, laneId: string) =>
    rewriteAsLegacy(h.sql, proposalId, laneId);

  it('verify by the rules they were written under, and say so', async () => {
    const { proposalId, laneId } = await refundTrail('approved');
    await asLegacy(proposalId, laneId);
    expect(await h.gov.verifyAuditTrail(proposalId)).toEqual({
      ok: true,
      events: 3,
      anchored: false,
      legacy: { events: 3, lanes: 1 },
      hashRules: { 1: 3 },
      checkpoint: null,
    });
  });

  it('are still checked: an edit of a legacy row is reported', async () => {
    const { proposalId, laneId } = await refundTrail('approved');
    await asLegacy(proposalId, laneId);
    await h.sql.query(
      `update tool_action_events set actor_id = 'mallory' where proposal_id = ? and seq = 3`,
      [proposalId],
    );
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: false, seq: 3 });
  });
});
