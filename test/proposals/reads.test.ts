import { describe, expect, it } from 'vitest';
import { appendEvents, draft } from '../audit/chainSql.js';
import { fixtureTools, payer, useHarness } from './fixtures.js';

// The governance's clock, moved by the tests: proposals are stamped with it, so their order
// is set here rather than by how fast the machine is.
let now = Date.parse('2030-06-01T00:00:00.000Z');
const tick = () => void (now += 1_000);
const h = useHarness(fixtureTools, { clock: () => new Date(now) });

/** Proposes a refund that passes every gate and returns the stored proposal. */
async function proposed(orderId: string, conversationId: string | null = null) {
  const result = await h.gov.propose('refund', 'agent-r', {
    input: { orderId, cents: 10 },
    ...payer,
    conversationId,
  });
  if (!result.ok) throw new Error(`expected a proposal, got ${result.outcome}`);
  return result.proposal;
}

describe('getProposal', () => {
  it('returns the stored proposal', async () => {
    const proposal = await proposed('read-1');
    expect(await h.gov.getProposal(proposal.id)).toEqual(proposal);
  });

  it.each([
    ['an unknown uuid', '00000000-0000-4000-8000-000000000000'],
    ['a non-uuid string', 'not-a-uuid'],
    ['an empty string', ''],
    ['SQL-looking text', `' or 1=1 --`],
  ])('returns null for %s', async (_label, id) => {
    expect(await h.gov.getProposal(id)).toBeNull();
  });
});

describe('listEvents', () => {
  it('returns the events ordered by seq, whatever order the rows were written in', async () => {
    const proposal = await proposed('read-events');
    // Inserted seq 3 before seq 2, and seq 3 stamped earlier than seq 2.
    const appended = await appendEvents(h.sql, proposal.id, [
      draft('lane_opened', 1),
      draft('lane_note', 5),
    ]);
    const events = await h.gov.listEvents(proposal.id);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events.map((e) => e.type)).toEqual(['proposal_created', 'lane_opened', 'lane_note']);
    expect(events.slice(1).map((e) => e.id)).toEqual(appended.map((e) => e.id));
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
  });

  it('returns [] for an unknown or malformed proposal id', async () => {
    expect(await h.gov.listEvents('00000000-0000-4000-8000-000000000000')).toEqual([]);
    expect(await h.gov.listEvents('nope')).toEqual([]);
  });
});

describe('listProposalsForConversation', () => {
  it('lists the conversation’s proposals newest first, each with its events oldest first', async () => {
    const first = await proposed('conv-a', 'conv-read');
    tick();
    const blocked = await h.gov.propose('refund', 'agent-r', {
      input: { orderId: 'conv-b', cents: 'x' },
      conversationId: 'conv-read',
    });
    tick();
    const third = await proposed('conv-c', 'conv-read');
    await proposed('elsewhere', 'conv-other');
    await appendEvents(h.sql, first.id, [draft('lane_opened', 2), draft('lane_note', 9)]);

    const listed = await h.gov.listProposalsForConversation('conv-read');
    expect(listed.map((p) => p.id)).toEqual([third.id, blocked.proposal?.id, first.id]);
    expect(listed.map((p) => p.status)).toEqual(['proposed', 'blocked', 'proposed']);
    expect(listed[2]?.events.map((e) => e.type)).toEqual([
      'proposal_created',
      'lane_opened',
      'lane_note',
    ]);
    expect(listed[1]?.events.map((e) => e.type)).toEqual(['proposal_blocked']);
    expect(listed[0]?.events.map((e) => e.seq)).toEqual([1]);
    for (const p of listed) expect(p.events.every((e) => e.proposalId === p.id)).toBe(true);
  });

  it('matches what getProposal and listEvents return', async () => {
    const [newest] = await h.gov.listProposalsForConversation('conv-read');
    if (!newest) throw new Error('expected proposals in conv-read');
    const { events, ...proposal } = newest;
    expect(proposal).toEqual(await h.gov.getProposal(newest.id));
    expect(events).toEqual(await h.gov.listEvents(newest.id));
  });

  it.each([
    ['an unknown conversation', 'conv-never'],
    ['an empty id', ''],
  ])('returns [] for %s', async (_label, id) => {
    expect(await h.gov.listProposalsForConversation(id)).toEqual([]);
  });
});
