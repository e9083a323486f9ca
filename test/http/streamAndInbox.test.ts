import { describe, expect, it } from 'vitest';
import { approver, proposer } from '../workers/support/sideEffectTools.js';
import { readEvents } from './support/sse.js';
import type { SseEvent } from './support/sse.js';
import { useHttpSuite } from './support/httpHarness.js';

describe('HTTP API: the audit event stream', () => {
  const s = useHttpSuite();

  async function lifecycle(conversationId: string, tag: string) {
    const proposed = await s.call('agent', 'POST', '/proposals', {
      tool: 'ship',
      input: { tag },
      conversationId,
    });
    const proposalId = proposed.body.proposal.id as string;
    const opened = await s.call('agent', 'POST', `/proposals/${proposalId}/lanes`, {});
    const laneId = opened.body.approval.id as string;
    await s.call('approver', 'POST', `/lanes/${laneId}/events`, { type: 'APPROVE' });
    return { proposalId, laneId };
  }

  it("delivers a lifecycle's events in order, live, filtered by conversation", async () => {
    const seen: SseEvent[] = [];
    const reading = readEvents(
      `${s.base}/events?conversationId=conv-sse-1`,
      s.tokens.approver,
      (e) => {
        seen.push(e);
        return e.data.type === 'executed';
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    await lifecycle('conv-sse-other', 'sse-noise');
    const { proposalId } = await lifecycle('conv-sse-1', 'sse-1');
    await reading;
    expect(seen.map((e) => e.data.type)).toEqual([
      'proposal_created',
      'approval_requested',
      'approved',
      'execution_enqueued',
      'execution_started',
      'executed',
    ]);
    expect(seen.every((e) => e.event === 'audit' && e.data.proposalId === proposalId)).toBe(true);
    expect(seen.map((e) => e.data.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(seen.map((e) => e.id)).size).toBe(6);
  });

  it('resumes after a dropped connection from Last-Event-ID: nothing lost, nothing twice', async () => {
    const conversationId = 'conv-sse-resume';
    const lanes = [];
    for (let i = 0; i < 3; i++) lanes.push(await lifecycle(conversationId, `sse-r${i}`));
    for (const { laneId } of lanes) await s.h.waitForLane(laneId);
    const url = `${s.base}/events?conversationId=${conversationId}`;

    const all: SseEvent[] = [];
    await readEvents(url, s.tokens.agent, (e) => (all.push(e), all.length === 18));
    const first: SseEvent[] = [];
    await readEvents(url, s.tokens.agent, (e) => (first.push(e), first.length === 7));
    // Meanwhile more happens in the conversation.
    const late = await lifecycle(conversationId, 'sse-late');
    await s.h.waitForLane(late.laneId);
    const rest: SseEvent[] = [];
    await readEvents(url, s.tokens.agent, (e) => (rest.push(e), rest.length === 11 + 6), {
      lastEventId: first.at(-1)!.id,
    });
    const resumed = [...first, ...rest];
    expect(resumed.slice(0, 18).map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(new Set(resumed.map((e) => e.id)).size).toBe(24);
    expect(resumed.slice(18).map((e) => e.data.proposalId)).toEqual(Array(6).fill(late.proposalId));
  });

  it('refuses a Last-Event-ID that names no event, and a malformed one', async () => {
    const bad = await fetch(`${s.base}/events`, {
      headers: { authorization: `Bearer ${s.tokens.agent}`, 'last-event-id': '999999999' },
    });
    expect(bad.status).toBe(400);
    const malformed = await fetch(`${s.base}/events`, {
      headers: { authorization: `Bearer ${s.tokens.agent}`, 'last-event-id': '1; drop table x' },
    });
    expect(malformed.status).toBe(400);
  });
});

describe('HTTP API: the inbox', () => {
  const s = useHttpSuite({ startWorkers: false });

  it('pages through 1,000 pending lanes without gaps or repeats, and filters', async () => {
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const opened = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const p = await s.h.gov.propose('ship', proposer, {
            input: { tag: `inbox-${batch}-${i}` },
            conversationId: batch % 2 === 0 ? 'conv-even' : 'conv-odd',
          });
          if (!p.ok) throw new Error('propose failed');
          const lane = await s.h.gov.requestApproval(p.proposal.id, { ttlSeconds: 600 + i });
          if (!lane.ok) throw new Error('request failed');
          return lane.approval.id;
        }),
      );
      ids.push(...opened);
    }
    for (const order of ['urgent', 'newest']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `/lanes?limit=97&order=${order}${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await s.call('approver', 'GET', q);
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((i: { approval: { id: string } }) => i.approval.id));
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(11);
      expect(seen).toHaveLength(1_000);
      expect(new Set(seen)).toEqual(new Set(ids));
    }
    const even = await s.call('approver', 'GET', '/lanes?conversationId=conv-even&limit=500');
    expect(even.body.items).toHaveLength(500);
    expect(even.body.nextCursor).toBeNull();
    const first = even.body.items[0];
    expect(first.proposal).toMatchObject({ toolName: 'ship', riskTier: 'high', actorId: proposer });
    // Most urgent first: deadlines never decrease down the page.
    const deadlines = even.body.items.map(
      (i: { approval: { expiresAt: string } }) => i.approval.expiresAt,
    );
    expect([...deadlines].sort()).toEqual(deadlines);
    expect((await s.call('approver', 'GET', '/lanes?tool=lookup')).body.items).toEqual([]);
    expect(
      (await s.call('approver', 'GET', '/lanes?riskTier=high&limit=1')).body.items,
    ).toHaveLength(1);
    expect((await s.call('approver', 'GET', '/lanes?olderThanSeconds=3600')).body.items).toEqual(
      [],
    );
    expect((await s.call('approver', 'GET', '/lanes?status=executed')).body.items).toEqual([]);
  });

  it('drops a decided lane from the inbox; rejects a forged cursor and bad filters', async () => {
    const p = await s.h.gov.propose('ship', proposer, {
      input: { tag: 'inbox-decided' },
      conversationId: 'conv-decided',
    });
    if (!p.ok) throw new Error('propose failed');
    const lane = await s.h.gov.requestApproval(p.proposal.id);
    if (!lane.ok) throw new Error('request failed');
    const before = await s.call('approver', 'GET', '/lanes?conversationId=conv-decided');
    expect(before.body.items).toHaveLength(1);
    await s.h.gov.reject(lane.approval.id, approver, { reason: 'no' });
    const after = await s.call('approver', 'GET', '/lanes?conversationId=conv-decided');
    expect(after.body.items).toHaveLength(0);
    for (const q of [
      'cursor=abc',
      'limit=0',
      'limit=501',
      'status=nope',
      'riskTier=extreme',
      'sort=x',
    ]) {
      const res = await s.call('approver', 'GET', `/lanes?${q}`);
      expect(res.status, q).toBe(400);
    }
  });
});
