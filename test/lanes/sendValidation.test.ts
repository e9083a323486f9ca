import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// Whatever a host sends, a malformed event is invalid_event with zod issues: no throw, no write.
describe('send() with bad host input', () => {
  const h = useLaneHarness();
  let laneId: string;
  beforeAll(async () => {
    ({ laneId } = await h.openRefundLane());
  });

  const bad: [string, unknown][] = [
    ['an unknown event type', { type: 'APPROVE_ALL', actorId: 'bob' }],
    ['a lower-case event type', { type: 'approve', actorId: 'bob' }],
    ['no type', { actorId: 'bob' }],
    ['a missing actorId', { type: 'APPROVE' }],
    ['a missing reason (REJECT)', { type: 'REJECT', actorId: 'bob' }],
    ['a missing reason (DEFER)', { type: 'DEFER', actorId: 'bob' }],
    ['a blank reason', { type: 'REJECT', actorId: 'bob', reason: '  ' }],
    ['a numeric actorId', { type: 'APPROVE', actorId: 42 }],
    ['an empty actorId', { type: 'APPROVE', actorId: '' }],
    ['an actorId with a NUL byte', { type: 'APPROVE', actorId: 'bo\0b' }],
    ['an actorId of 257 characters', { type: 'APPROVE', actorId: 'b'.repeat(257) }],
    ['a numeric reason', { type: 'REJECT', actorId: 'bob', reason: 7 }],
    ['a note that is an object', { type: 'APPROVE', actorId: 'bob', note: { text: 'hi' } }],
    ['a note over 4000 characters', { type: 'APPROVE', actorId: 'bob', note: 'n'.repeat(4001) }],
    ['a reason over 4000 characters', { type: 'REJECT', actorId: 'bob', reason: 'r'.repeat(4001) }],
    ['an extra field', { type: 'APPROVE', actorId: 'bob', urgent: true }],
    [
      'self-declared roles',
      { type: 'APPROVE', actorId: 'dave', actorRoles: ['payments-approver'] },
    ],
    ['a self-stamped time', { type: 'APPROVE', actorId: 'bob', at: '2000-01-01T00:00:00Z' }],
    ['the worker-only EXECUTION_SUCCEEDED', { type: 'EXECUTION_SUCCEEDED', result: { ok: 1 } }],
    [
      'the worker-only EXECUTION_CLAIMED',
      { type: 'EXECUTION_CLAIMED', inputHash: 'x', leaseUntil: '2031-01-01T00:00:00Z' },
    ],
    ['the worker-only EXECUTION_FAILED', { type: 'EXECUTION_FAILED', failure: { code: 'x' } }],
    ['null', null],
    ['undefined', undefined],
    ['a bare string', 'APPROVE'],
    ['a number', 42],
    ['an array', []],
    ['an array of an event', [{ type: 'APPROVE', actorId: 'bob' }]],
  ];

  it.each(bad)('%s is invalid_event with issues and writes nothing', async (_label, event) => {
    const before = await h.fingerprint();
    const jobsBefore = h.jobs.length;
    const result = await h.gov.send(laneId, event);
    expect(result).toMatchObject({ ok: false, error: 'invalid_event' });
    expect(result.ok === false && result.issues?.length).toBeGreaterThan(0);
    expect(await h.fingerprint()).toBe(before);
    expect(h.jobs).toHaveLength(jobsBefore);
  });

  it('refuses an oversized note given to approve() the same way', async () => {
    const before = await h.fingerprint();
    const result = await h.gov.approve(laneId, 'bob', { note: 'n'.repeat(4001) });
    expect(result).toMatchObject({ ok: false, error: 'invalid_event' });
    expect(result.ok === false && result.issues?.length).toBeGreaterThan(0);
    expect(await h.fingerprint()).toBe(before);
  });

  it('validates the event before looking the lane up', async () => {
    const result = await h.gov.send('2b9c4f0e-1d3a-4e6b-8f7c-9a0b1c2d3e4f', { type: 'NOPE' });
    expect(result).toMatchObject({ ok: false, error: 'invalid_event' });
  });

  it('leaves the lane pending and decidable after all of it', async () => {
    expect(await h.laneRow(laneId)).toMatchObject({ status: 'pending', version: 1 });
    const approval = expectOk(
      await h.gov.send(laneId, { type: 'APPROVE', actorId: 'bob', note: 'n'.repeat(4000) }),
    );
    expect(approval).toMatchObject({ status: 'approved', version: 2 });
    expect(approval.note).toHaveLength(4000);
  });
});
