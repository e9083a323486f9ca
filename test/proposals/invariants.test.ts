import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, isInvalidRequestError } from '../../src/index.js';
import type { LaneJobRequest } from '../../src/index.js';
import { payer, useHarness } from './fixtures.js';

// Promises a change to the code could quietly break: each test here fails under one.
const refund = (version: string) =>
  defineTool({
    name: 'refund',
    version,
    input: z.object({ orderId: z.string(), cents: z.number().int() }),
    riskTier: 'high',
    approvalMode: 'requires_approval',
    requiredScopes: ['payments:write'],
    run: () => 'refunded',
  });
const ping = defineTool({
  name: 'ping',
  input: z.object({ n: z.number() }),
  riskTier: 'low',
  approvalMode: 'auto',
  run: () => 'pong',
});

/** Takes any value, so only the pipeline's own checks stand in the way. */
const loose = defineTool({
  name: 'loose',
  input: z.unknown(),
  riskTier: 'low',
  approvalMode: 'requires_approval',
  run: () => 'done',
});

const enqueued: LaneJobRequest[] = [];

describe('proposals', () => {
  const h = useHarness([refund('1'), refund('2'), ping, loose], {
    enqueue: (job) => void enqueued.push(job),
  });

  it('the same call to two versions of a tool is two proposals (the version is in the key)', async () => {
    const input = { orderId: 'o-versions', cents: 10 };
    const first = await h.gov.propose({ name: 'refund', version: '1' }, 'agent-a', {
      input,
      ...payer,
    });
    const second = await h.gov.propose({ name: 'refund', version: '2' }, 'agent-a', {
      input,
      ...payer,
    });

    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(second).toMatchObject({ ok: true, duplicate: false });
    expect(first.proposal!.id).not.toBe(second.proposal!.id);
    expect(first.proposal!.idempotencyKey).not.toBe(second.proposal!.idempotencyKey);
  });

  it('propose never enqueues a job, not even for an auto tool', async () => {
    const before = enqueued.length;
    expect(await h.gov.propose('ping', 'agent-a', { input: { n: 1 } })).toMatchObject({ ok: true });
    expect(
      await h.gov.propose('refund', 'agent-a', { input: { orderId: 'o-q', cents: 1 }, ...payer }),
    ).toMatchObject({ ok: true });
    expect(enqueued.length).toBe(before);
  });

  it('opening a lane on behalf of someone else keeps the proposer the proposer', async () => {
    const proposed = await h.gov.propose('refund', 'agent-a', {
      input: { orderId: 'o-behalf', cents: 5 },
      ...payer,
    });
    if (!proposed.ok) throw new Error('blocked');
    const lane = await h.gov.requestApproval(proposed.proposal.id, { actorId: 'reviewer-1' });
    if (!lane.ok) throw new Error(lane.error);

    expect(await h.gov.approve(lane.approval.id, 'agent-a')).toMatchObject({
      ok: false,
      error: 'forbidden',
      reason: 'four_eyes',
    });
    expect(await h.gov.approve(lane.approval.id, 'reviewer-1')).toMatchObject({ ok: true });
  });

  it.each([
    ['a Map', { orderId: new Map([['a', 1]]) }],
    ['a Set', { orderId: new Set([1]) }],
    // eslint-disable-next-line no-sparse-arrays
    ['a sparse array', { orderId: [, 1] }],
    ['NaN', { orderId: Number.NaN }],
    ['a bigint', { orderId: 1n }],
  ])(
    'an input holding %s is needs_input with an issue, never a throw or a collision',
    async (_what, input) => {
      const loose = await h.gov.validate('refund', 'agent-a', {
        input: { ...input, cents: 1 },
        ...payer,
      });
      expect(loose).toMatchObject({ ok: false, outcome: 'needs_input' });
    },
  );

  it('a raw input far over maxInputBytes is refused before the schema sees it', async () => {
    const huge = { orderId: 'x'.repeat(600_000), cents: 1 };
    const result = await h.gov.validate('refund', 'agent-a', { input: huge, ...payer });
    expect(result).toMatchObject({ ok: false, outcome: 'needs_input' });
    expect(JSON.stringify(result)).toContain('not parsed');
  });

  it('lists a conversation in pages: newest first, each page after the last of the one before', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 5; n += 1) {
      const proposed = await h.gov.propose('ping', 'agent-a', {
        input: { n },
        conversationId: 'paged',
      });
      if (!proposed.ok) throw new Error('blocked');
      ids.push(proposed.proposal.id);
    }
    const all = await h.gov.listProposalsForConversation('paged', { limit: 1000 });
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await h.gov.listProposalsForConversation('paged', { limit: 2, after });
      if (page.length === 0) break;
      pages.push(page.map((p) => p.id));
      after = page.at(-1)!.id;
    }

    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(all.map((p) => p.id));
    expect([...pages.flat()].sort()).toEqual([...ids].sort());
    await expect(h.gov.listProposalsForConversation('paged', { limit: 0 })).rejects.toSatisfy(
      isInvalidRequestError,
    );
  });
});
