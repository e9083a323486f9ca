import { describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  chainEvents,
  microsecondTime,
  verifyChain,
} from '../../src/audit/auditChain.js';
import type { AuditHead, EventRow } from '../../persistence/rows.js';
import { canonicalJson, sha256 } from '../../src/canonicalJson.js';
import { isConfigurationError } from '../../src/errors/configurationError.js';
import { draft } from './chainSql.js';

const PROPOSAL = '11111111-1111-4111-8111-111111111111';
const genesis: AuditHead = { seq: 0, hash: GENESIS_HASH };

function ids() {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

/** A chain of `n` events and its head. */
function chain(n: number) {
  const drafts = Array.from({ length: n }, (_, i) => draft(`step_${i + 1}`, n - i));
  return chainEvents(PROPOSAL, genesis, drafts, ids());
}

describe('microsecondTime', () => {
  it('writes a millisecond time with microseconds, as PostgreSQL returns it, and leaves others', () => {
    expect(microsecondTime('2026-01-01T10:00:00.123Z')).toBe('2026-01-01T10:00:00.123000Z');
    expect(microsecondTime('+012026-01-01T10:00:00.007Z')).toBe('+012026-01-01T10:00:00.007000Z');
    for (const other of [
      '2026-01-01T10:00:00.123456Z',
      '2026-01-01T10:00:00Z',
      '2026-01-01T10:00:00.12aZ',
      '2026-01-01T10:00:00.123+00:00',
    ])
      expect(microsecondTime(other)).toBe(other);
  });
});

describe('chainEvents', () => {
  it('numbers events from 1 and links each to its predecessor, the first to genesis', () => {
    const { events, head } = chain(3);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[0]?.prevHash).toBe(GENESIS_HASH);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(events[2]?.prevHash).toBe(events[1]?.hash);
    expect(head).toEqual({ seq: 3, hash: events[2]?.hash });
    for (const e of events) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('continues a chain from a head exactly as one call would have', () => {
    const whole = chain(3);
    const drafts = whole.events.map(({ type, actorId, approvalId, payload, createdAt }) => ({
      type,
      actorId,
      approvalId,
      payload,
      createdAt,
    }));
    const newId = ids();
    const start = chainEvents(PROPOSAL, genesis, drafts.slice(0, 1), newId);
    const rest = chainEvents(PROPOSAL, start.head, drafts.slice(1), newId);
    expect([...start.events, ...rest.events]).toEqual(whole.events);
    expect(rest.head).toEqual(whole.head);
  });

  it('hashes payloads canonically, so key order does not matter', () => {
    const base = draft('same');
    const a = chainEvents(PROPOSAL, genesis, [{ ...base, payload: { a: 1, b: [2] } }], ids());
    const b = chainEvents(PROPOSAL, genesis, [{ ...base, payload: { b: [2], a: 1 } }], ids());
    expect(a.events[0]?.hash).toBe(b.events[0]?.hash);
  });

  it('gives different hashes to different proposals with the same events', () => {
    const other = chainEvents(
      '22222222-2222-4222-8222-222222222222',
      genesis,
      [draft('same')],
      ids(),
    );
    const mine = chainEvents(PROPOSAL, genesis, [{ ...draft('same') }], ids());
    expect(other.events[0]?.hash).not.toBe(mine.events[0]?.hash);
  });

  it('returns the given head and no events for no drafts', () => {
    expect(chainEvents(PROPOSAL, genesis, [], ids())).toEqual({ events: [], head: genesis });
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain', () => {
    const { events, head } = chain(4);
    expect(verifyChain(events, head)).toMatchObject({ ok: true, events: 4 });
  });

  it('accepts an empty chain with a genesis head', () => {
    expect(verifyChain([], genesis)).toMatchObject({ ok: true, events: 0 });
  });

  it.each([
    ['payload', (e: EventRow) => ({ ...e, payload: { note: 'forged' } })],
    ['type', (e: EventRow) => ({ ...e, type: 'forged' })],
    ['actorId', (e: EventRow) => ({ ...e, actorId: 'mallory' })],
    ['approvalId', (e: EventRow) => ({ ...e, approvalId: PROPOSAL })],
    ['createdAt', (e: EventRow) => ({ ...e, createdAt: '2000-01-01T00:00:00.000Z' })],
    ['prevHash', (e: EventRow) => ({ ...e, prevHash: GENESIS_HASH })],
    ['hash', (e: EventRow) => ({ ...e, hash: 'f'.repeat(64) })],
  ])('names a middle event whose %s was edited', (_field, edit) => {
    const { events, head } = chain(3);
    const tampered = events.map((e) => (e.seq === 2 ? edit(e) : e));
    expect(verifyChain(tampered, head)).toEqual({
      ok: false,
      problem: 'edited',
      seq: 2,
      eventId: events[1]?.id,
    });
  });

  it('reports the first of several edited events', () => {
    const { events, head } = chain(4);
    const tampered = events.map((e) => (e.seq >= 2 ? { ...e, type: 'forged' } : e));
    expect(verifyChain(tampered, head)).toMatchObject({ problem: 'edited', seq: 2 });
  });

  it('reports a removed middle event at its seq', () => {
    const { events, head } = chain(4);
    const tampered = events.filter((e) => e.seq !== 2);
    expect(verifyChain(tampered, head)).toEqual({
      ok: false,
      problem: 'removed',
      seq: 2,
      eventId: null,
    });
  });

  it('reports a removed last event through the head', () => {
    const { events, head } = chain(3);
    expect(verifyChain(events.slice(0, 2), head)).toEqual({
      ok: false,
      problem: 'removed',
      seq: 3,
      eventId: null,
    });
  });

  it('reports a removed first event at seq 1', () => {
    const { events, head } = chain(3);
    expect(verifyChain(events.slice(1), head)).toMatchObject({ problem: 'removed', seq: 1 });
  });

  it('reports two events whose seq values were swapped as reordered, naming the first', () => {
    const { events, head } = chain(4);
    const [e1, e2, e3, e4] = events as [EventRow, EventRow, EventRow, EventRow];
    const swapped = [e1, { ...e3, seq: 2 }, { ...e2, seq: 3 }, e4];
    expect(verifyChain(swapped, head)).toEqual({
      ok: false,
      problem: 'reordered',
      seq: 2,
      eventId: e3.id,
    });
  });

  it('reports an event from another chain spliced in as reordered', () => {
    const { events, head } = chain(2);
    const other = chainEvents(PROPOSAL, genesis, [draft('foreign'), draft('foreign2')], ids());
    const spliced = [events[0]!, other.events[1]!];
    expect(verifyChain(spliced, head)).toMatchObject({ ok: false, problem: 'reordered', seq: 2 });
  });

  it('reports a head that does not match the last event as edited', () => {
    const { events, head } = chain(2);
    expect(verifyChain(events, { ...head, hash: 'a'.repeat(64) })).toEqual({
      ok: false,
      problem: 'edited',
      seq: 2,
      eventId: null,
    });
  });

  it('reports an event appended without moving the head as edited at the head', () => {
    const { events, head } = chain(3);
    const behind = { seq: 2, hash: events[1]!.hash };
    expect(verifyChain(events, behind)).toEqual({
      ok: false,
      problem: 'edited',
      seq: 2,
      eventId: null,
    });
    expect(verifyChain(events, head)).toMatchObject({ ok: true });
  });
});

describe('event times', () => {
  /** A one-event chain whose event is hashed under rule 2 with `createdAt`, as rule 2 did. */
  function rule2Event(createdAt: string) {
    const [event] = chain(1).events as [EventRow];
    const { proposalId, approvalId, type, actorId, payload, id } = event;
    const content = { proposalId, approvalId, type, actorId, payload, id, createdAt };
    const hash = sha256(`v2\n${GENESIS_HASH}\n${canonicalJson(content)}`);
    return { events: [{ ...event, createdAt, hashVersion: 2, hash }], head: { seq: 1, hash } };
  }

  it('an event hashed under rule 2 verifies by that rule, and says so', () => {
    const { events, head } = rule2Event('2026-01-01T10:00:00.123456Z');
    expect(verifyChain(events, head)).toEqual({ ok: true, events: 1, hashRules: { 2: 1 } });
  });

  it.each([
    ['before 1970', '1969-12-31T23:59:59.999999Z'],
    ['in a BC year as PostgreSQL writes it', '2026-01-01 10:00:00.123456+00 BC'],
    ['in a BC year as an ISO year', '-002025-01-01T10:00:00.123456Z'],
    ['in year 10000', '+010000-01-01T00:00:00.000000Z'],
  ])('a stored time %s is an edit, even where its rule would hash it', (_what, createdAt) => {
    const { events, head } = rule2Event(createdAt);
    expect(verifyChain(events, head)).toMatchObject({ ok: false, problem: 'edited', seq: 1 });
  });

  it('a clock before 1970 writes no event: a ConfigurationError', () => {
    const early = { ...draft('early'), createdAt: '1969-07-20T20:17:40.000Z' };
    let thrown: unknown;
    try {
      chainEvents(PROPOSAL, genesis, [early], ids());
    } catch (error) {
      thrown = error;
    }
    expect(isConfigurationError(thrown)).toBe(true);
  });
});
