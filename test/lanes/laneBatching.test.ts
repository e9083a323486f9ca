import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorWrite } from '../../persistence/actorWrite.js';
import { PREPARED_BATCH } from '../../persistence/batchSlots.js';
import { findCases } from '../../persistence/case.repository.js';
import { findLanesWithProposal } from '../../persistence/lane.repository.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import type { LaneRow } from '../../persistence/rows.js';
import { chainEvents } from '../../src/audit/auditChain.js';
import { countersignEntities } from '../../src/index.js';
import type { LaneResult } from '../../src/index.js';
import { createLaneStore } from '../../src/lanes/laneStore.js';
import { useLaneHarness } from './support/laneHarness.js';
import type { LaneHarness } from './support/laneHarness.js';

const decisionTypes = ['approved', 'rejected', 'deferred', 'expired'];

async function openLanes(h: LaneHarness, n: number) {
  const lanes: { proposalId: string; laneId: string }[] = [];
  for (let i = 0; i < n; i += 1) lanes.push(await h.openRefundLane());
  return lanes;
}

/** Decision events per lane, as [type, count] pairs. */
async function decisionsOf(h: LaneHarness, laneIds: readonly string[]) {
  const rows = await h.sql.query<{ approval_id: string; type: string; n: number }>(
    `select approval_id, type, count(*)::int as n from tool_action_events
      where approval_id in (?) group by approval_id, type`, // knex spreads the array
    [laneIds],
  );
  return new Map(
    laneIds.map((id) => [
      id,
      rows.filter((r) => r.approval_id === id && decisionTypes.includes(r.type)),
    ]),
  );
}

/** A lane write made by hand: version + 1 and one `noted` event chained after the head. */
function notedWrite(
  { lane, head }: LaneWithProposal,
  snapshot: LaneRow['snapshot'] = lane.snapshot,
): ActorWrite<LaneRow> {
  const at = new Date().toISOString();
  const chained = chainEvents(
    lane.proposalId,
    head,
    [{ type: 'noted', actorId: 'test', approvalId: lane.id, payload: {}, createdAt: at }],
    randomUUID,
  );
  return {
    row: { ...lane, snapshot, version: lane.version + 1, updatedAt: at },
    expectedVersion: lane.version,
    expectedSeq: head.seq,
    head: chained.head,
    events: chained.events,
  };
}

// Concurrent lane steps share statements (group commit); each step still ends as if alone.
describe('batched lane reads and writes', () => {
  const h = useLaneHarness();
  let orm: MikroORM;
  const em = (): EntityManager => orm.em.fork();

  beforeAll(async () => {
    // Our own ORM on the same database, to call the repository and the lane store directly.
    orm = await MikroORM.init({
      clientUrl: h.url,
      entities: [...countersignEntities],
      pool: { min: 0, max: 4 },
    });
    // Counts lane-write statements server-side, exactly: one row per statement that updated
    // tool_approvals, with the number of lanes it wrote.
    await h.sql.query(
      'create table lane_write_statements (id serial primary key, lanes int not null)',
    );
    await h.sql.query(`create function count_lane_writes() returns trigger language plpgsql as $$
      begin insert into lane_write_statements (lanes) select count(*) from new_rows; return null; end $$`);
    await h.sql.query(`create trigger count_lane_writes after update on tool_approvals
      referencing new table as new_rows for each statement execute function count_lane_writes()`);
  });
  afterAll(async () => {
    await orm?.close(true);
  });

  it('40 concurrent approvals all commit, in fewer than 40 write statements', async () => {
    const lanes = await openLanes(h, 40);
    const [{ mark } = { mark: 0 }] = await h.sql.query<{ mark: number }>(
      'select coalesce(max(id), 0)::int as mark from lane_write_statements',
    );

    const results = await Promise.all(lanes.map(({ laneId }) => h.gov.approve(laneId, 'bob')));

    for (const r of results)
      expect(r).toMatchObject({ ok: true, approval: { status: 'approved' } });
    const statements = await h.sql.query<{ lanes: number }>(
      'select lanes from lane_write_statements where id > ? order by id',
      [mark],
    );
    const sizes = statements.map((s) => s.lanes);
    // One statement per approval would be 40; batches carry up to PREPARED_BATCH lanes each.
    expect(sizes.length).toBeLessThan(40);
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(40 / PREPARED_BATCH));
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PREPARED_BATCH);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40);

    const decisions = await decisionsOf(
      h,
      lanes.map((l) => l.laneId),
    );
    for (const { proposalId, laneId } of lanes) {
      expect(await h.laneRow(laneId), laneId).toMatchObject({
        status: 'approved',
        version: 2,
        decided_by: 'bob',
      });
      expect(decisions.get(laneId), laneId).toEqual([
        { approval_id: laneId, type: 'approved', n: 1 },
      ]);
      expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 3 });
    }
  });

  it.each([
    ['approve first', false],
    ['reject first', true],
  ])(
    'a contested lane in a batch of other decisions gets exactly one decision (%s)',
    async (_label, rejectFirst) => {
      const others = await openLanes(h, 10);
      const contested = await h.openRefundLane();

      const approveOthers = others.map(({ laneId }) => h.gov.approve(laneId, 'carol'));
      const contest = [
        () => h.gov.approve(contested.laneId, 'bob'),
        () => h.gov.reject(contested.laneId, 'carol', { reason: 'duplicate order' }),
      ];
      if (rejectFirst) contest.reverse();
      // The contested pair sits in the middle of the burst, among the other lanes' steps.
      const results: LaneResult[] = await Promise.all([
        ...approveOthers.slice(0, 5),
        ...contest.map((decide) => decide()),
        ...approveOthers.slice(5),
      ]);

      const pair = results.slice(5, 7);
      const winners = pair.flatMap((r) => (r.ok ? [r.approval] : []));
      expect(winners).toHaveLength(1);
      const loser = pair.flatMap((r) => (r.ok ? [] : [r.error]));
      expect(['not_pending', 'conflict']).toContain(loser[0]);
      const status = winners[0]!.status;
      expect(['approved', 'rejected']).toContain(status);

      for (const r of [...results.slice(0, 5), ...results.slice(7)]) {
        expect(r).toMatchObject({ ok: true, approval: { status: 'approved', version: 2 } });
      }
      const decisions = await decisionsOf(h, [contested.laneId, ...others.map((l) => l.laneId)]);
      expect(decisions.get(contested.laneId)).toEqual([
        { approval_id: contested.laneId, type: status, n: 1 },
      ]);
      expect(await h.laneRow(contested.laneId)).toMatchObject({ status, version: 2 });
      for (const { laneId } of others) {
        expect(decisions.get(laneId), laneId).toEqual([
          { approval_id: laneId, type: 'approved', n: 1 },
        ]);
      }
      expect(await h.gov.verifyAuditTrail(contested.proposalId)).toMatchObject({
        ok: true,
        events: 3,
      });
    },
  );

  it('findLanesWithProposal returns exactly the known lanes, with their proposals', async () => {
    const lanes = await openLanes(h, 3);
    const ids = lanes.map((l) => l.laneId);

    const found = await findLanesWithProposal(em(), [
      ids[0]!,
      randomUUID(), // a uuid no lane has
      ids[1]!,
      'not-a-uuid', // would fail the ::uuid cast if it reached the statement
      ids[2]!,
      ids[0]!, // asked twice, answered once
    ]);

    expect([...found.keys()].sort()).toEqual([...ids].sort());
    for (const { proposalId, laneId } of lanes) {
      const [proposal] = await h.sql.query<{ audit_seq: number; audit_head: string }>(
        'select audit_seq, audit_head from tool_proposals where id = ?',
        [proposalId],
      );
      expect(found.get(laneId)).toMatchObject({
        lane: { id: laneId, proposalId, status: 'pending', version: 1 },
        head: { seq: proposal!.audit_seq, hash: proposal!.audit_head },
        proposerId: 'alice',
        toolName: 'refund',
      });
    }

    // Three ids take four slots, the last a repeat of a wanted id: still the three lanes.
    const padded = await findLanesWithProposal(em(), ids);
    expect([...padded.keys()].sort()).toEqual([...ids].sort());
    expect(padded.get(ids[2]!)).toEqual(found.get(ids[2]!));

    const findOne = async (id: string) => (await findLanesWithProposal(em(), [id])).get(id) ?? null;
    expect(await findOne(ids[1]!)).toEqual(found.get(ids[1]!));
    expect(await findOne(randomUUID())).toBeNull();
    expect(await findOne('not-a-uuid')).toBeNull();
    expect(await findLanesWithProposal(em(), ['nope', ''])).toEqual(new Map());
  });

  it('findLanesWithProposal reads a batch larger than PREPARED_BATCH at its exact size', async () => {
    const lanes = await openLanes(h, PREPARED_BATCH + 3);
    const found = await findLanesWithProposal(
      em(),
      lanes.map((l) => l.laneId),
    );
    expect([...found.keys()].sort()).toEqual(lanes.map((l) => l.laneId).sort());
  });

  it("lanes written with their case's row commit all or none", async () => {
    const lanes = await openLanes(h, 3);
    const ids = lanes.map((l) => l.laneId);
    await h.gov.definePolicy('grouped', {}, { actorId: 'admin' });
    const opened = await h.gov.createCase({ policy: 'grouped', actorId: 'agent-1' });
    if (!opened.ok) throw new Error(opened.error);
    const caseId = opened.case.id;
    const store = createLaneStore((_operation, fn) => fn(em()));
    const found = await findLanesWithProposal(em(), ids);
    const caseRow = async () => (await findCases(em(), [caseId])).get(caseId)!;
    const before = await caseRow();
    // A hand-made case write: the next version, no events.
    const caseWrite = {
      row: { ...before, version: before.version + 1 },
      expectedVersion: before.version,
      events: [],
    };
    const [first, second, third] = ids.map((id) => notedWrite(found.get(id)!));
    // The second lane moves on before the group is written.
    expect(await store.write('update', second!)).toBe(true);

    expect(await store.writeWithCase([first!, second!, third!], caseWrite)).toBe(false);
    expect(await h.laneRow(ids[0]!)).toMatchObject({ version: 1 });
    expect(await h.laneRow(ids[2]!)).toMatchObject({ version: 1 });
    expect((await caseRow()).version).toBe(before.version);

    // The same group without the lane that moved: all of it commits.
    expect(await store.writeWithCase([first!, third!], caseWrite)).toBe(true);
    expect(await h.laneRow(ids[0]!)).toMatchObject({ version: 2 });
    expect(await h.laneRow(ids[2]!)).toMatchObject({ version: 2 });
    expect((await caseRow()).version).toBe(before.version + 1);

    // Now the case has moved on: a current lane with the stale case write is not written.
    const moved = (await findLanesWithProposal(em(), [ids[1]!])).get(ids[1]!)!;
    expect(await store.writeWithCase([notedWrite(moved)], caseWrite)).toBe(false);
    expect(await h.laneRow(ids[1]!)).toMatchObject({ version: 2 });
    expect(await h.laneEvents(ids[1]!)).toHaveLength(2);
  });

  it('a write PostgreSQL refuses fails alone; the writes batched with it commit', async () => {
    const lanes = await openLanes(h, 4);
    let storeCalls = 0;
    const store = createLaneStore(async (_operation, fn) => {
      storeCalls += 1;
      return fn(em());
    });
    const found = await findLanesWithProposal(
      em(),
      lanes.map((l) => l.laneId),
    );
    const before = await h.laneRow(lanes[1]!.laneId);
    const eventsBefore = await h.laneEvents(lanes[1]!.laneId);

    const writeFor = (laneId: string, snapshot?: LaneRow['snapshot']) =>
      notedWrite(found.get(laneId)!, snapshot);
    const bad = lanes[1]!.laneId;
    // jsonb refuses the \u0000 escape, so the whole statement carrying this lane fails.
    const poisoned = { ...found.get(bad)!.lane.snapshot, note: 'a\u0000b' };

    const outcomes = await Promise.allSettled(
      lanes.map(({ laneId }) =>
        store.write('update', laneId === bad ? writeFor(laneId, poisoned) : writeFor(laneId)),
      ),
    );

    // One batched statement, then each of its four writes alone.
    expect(storeCalls).toBe(5);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value)).toEqual([
      true,
      true,
      true,
    ]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/unicode|\\u0000/i);

    for (const { proposalId, laneId } of lanes.filter((l) => l.laneId !== bad)) {
      expect(await h.laneRow(laneId)).toMatchObject({ status: 'pending', version: 2 });
      expect((await h.laneEvents(laneId)).map((e) => e.type)).toEqual([
        'approval_requested',
        'noted',
      ]);
      // The chain links hold; the hand-made `noted` write is no transition of the lane
      // machine, which the replay check reports as such.
      expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
        ok: false,
        problem: 'inconsistent',
        check: 'replay',
        seq: 3,
        laneId,
      });
    }
    expect(await h.laneRow(bad)).toEqual(before);
    expect(await h.laneEvents(bad)).toEqual(eventsBefore);
    expect(await h.gov.verifyAuditTrail(lanes[1]!.proposalId)).toMatchObject({
      ok: true,
      events: 2,
    });
  });

  it.each([
    ['a connection exception (SQLSTATE 08006)', { code: '08006' }],
    ['an error with no answer from the server', {}],
  ])(
    'a batch that failed with %s may have committed: every write in it gets the error, none is retried alone',
    async (_label, extra) => {
      const lanes = await openLanes(h, 3);
      let storeCalls = 0;
      const store = createLaneStore(async () => {
        storeCalls += 1;
        throw Object.assign(new Error('connection terminated unexpectedly'), extra);
      });
      const found = await findLanesWithProposal(
        em(),
        lanes.map((l) => l.laneId),
      );
      const writes = lanes.map(({ laneId }) => notedWrite(found.get(laneId)!));

      const outcomes = await Promise.allSettled(writes.map((w) => store.write('update', w)));

      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(storeCalls).toBe(1);
    },
  );
});
