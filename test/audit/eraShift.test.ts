import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HASH_VERSION } from '../../src/audit/auditChain.js';
import { canonicalJson, sha256 } from '../../src/canonicalJson.js';
import type { Harness } from '../proposals/fixtures.js';
import { openRefundLane, useHarness } from '../proposals/fixtures.js';
import { openPolicyCase } from '../cases/support/caseWorkers.js';
import { rewriteAsRule2 } from '../support/legacyTrail.js';

// SQL plays someone who moves an event's time to the same digits BC: a stored time keeps its
// era when it is read back and hashed, so the move is an edit, whatever rule hashed the row.

const signingKey = { keyId: 'era-key', hmacSecret: 'a secret for the era shift tests!!!' };

// Two ways to write the same digits BC: an interval, and the time's own text with its era.
const shifts = [
  [
    'an interval',
    `created_at = created_at - make_interval(years => 2 * extract(year from created_at)::int - 1)`,
  ],
  [
    'its text with BC',
    `created_at = (to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00 BC')::timestamptz`,
  ],
] as const;

let n = 0;

/** An approved refund: three events in the proposal's chain. */
async function approvedTrail(h: Harness): Promise<string> {
  const { proposalId, laneId } = await openRefundLane(h.gov, `o-era-${(n += 1)}`);
  await h.gov.approve(laneId, 'reviewer-1');
  return proposalId;
}

/** A completed case: two events in the case's chain. */
async function completedCase(h: Harness): Promise<string> {
  const caseId = await openPolicyCase(h.gov, `era-${(n += 1)}`, {});
  await h.gov.completeCase(caseId, { actorId: 'agent-1' });
  return caseId;
}

async function shiftProposalEvent(h: Harness, proposalId: string, seq: number, set: string) {
  await h.sql.query(`update tool_action_events set ${set} where proposal_id = ? and seq = ?`, [
    proposalId,
    seq,
  ]);
  const [row] = await h.sql.query<{ bc: boolean }>(
    `select created_at < '0001-01-01Z' as bc from tool_action_events
      where proposal_id = ? and seq = ?`,
    [proposalId, seq],
  );
  expect(row?.bc).toBe(true);
}

async function shiftCaseEvent(h: Harness, caseId: string, seq: number, set: string) {
  await h.sql.query(`update case_events set ${set} where case_id = ? and seq = ?`, [caseId, seq]);
}

describe.each([
  ['without a signing key', {}],
  ['with a signing key', { signingKey }],
])('a time moved to the same digits BC, %s', (_label, audit) => {
  const h = useHarness(undefined, { enqueue: () => {}, audit });

  it('new events are written under hash rule 3, and say so', async () => {
    const proposalId = await approvedTrail(h);
    const caseId = await completedCase(h);
    expect(HASH_VERSION).toBe(3);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: true,
      hashRules: { 3: 3 },
    });
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({ ok: true, hashRules: { 3: 2 } });
  });

  it('rule 3 hashes the time as PostgreSQL counts it: extract(epoch from created_at)', async () => {
    const proposalId = await approvedTrail(h);
    const rows = await h.sql.query<Record<string, unknown>>(
      `select *, extract(epoch from created_at)::text as epoch from tool_action_events
        where proposal_id = ? order by seq`,
      [proposalId],
    );
    for (const r of rows) {
      const content = {
        proposalId,
        approvalId: r.approval_id,
        type: r.type,
        actorId: r.actor_id,
        payload: r.payload,
        id: r.id,
        createdAt: r.epoch,
      };
      expect(sha256(`v3\n${r.prev_hash as string}\n${canonicalJson(content)}`)).toBe(r.hash);
    }
  });

  it.each(shifts)('in a proposal trail, by %s, is reported as edited', async (_how, set) => {
    const proposalId = await approvedTrail(h);
    await shiftProposalEvent(h, proposalId, 2, set);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: false,
      problem: 'edited',
      check: 'chain',
      seq: 2,
    });
  });

  it.each(shifts)('in a case trail, by %s, is reported as edited', async (_how, set) => {
    const caseId = await completedCase(h);
    await shiftCaseEvent(h, caseId, 1, set);
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 1,
    });
  });

  it('is listed as no time at all, never as the time it was moved from', async () => {
    const proposalId = await approvedTrail(h);
    const [before] = await h.gov.listEvents(proposalId);
    await shiftProposalEvent(h, proposalId, 1, shifts[0][1]);
    const [after] = await h.gov.listEvents(proposalId);
    expect(after!.id).toBe(before!.id);
    expect(after!.createdAt.getTime()).not.toBe(before!.createdAt.getTime());
  });
});

describe('events written under hash rule 2', () => {
  const h = useHarness(undefined, { enqueue: () => {} });

  it('verify by that rule, and say so', async () => {
    const proposalId = await approvedTrail(h);
    const caseId = await completedCase(h);
    await rewriteAsRule2(h.sql, 'proposal', proposalId);
    await rewriteAsRule2(h.sql, 'case', caseId);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: true,
      events: 3,
      legacy: { events: 0, lanes: 0 },
      hashRules: { 2: 3 },
    });
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({
      ok: true,
      events: 2,
      hashRules: { 2: 2 },
    });
  });

  it.each(shifts)('moved to the same digits BC by %s are reported as edited', async (_how, set) => {
    const proposalId = await approvedTrail(h);
    const caseId = await completedCase(h);
    await rewriteAsRule2(h.sql, 'proposal', proposalId);
    await rewriteAsRule2(h.sql, 'case', caseId);
    await shiftProposalEvent(h, proposalId, 3, set);
    await shiftCaseEvent(h, caseId, 2, set);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 3,
    });
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 2,
    });
  });
});

describe('countersign audit verify', () => {
  const h = useHarness(undefined, { enqueue: () => {} });
  const cli = new URL('../../src/cli.ts', import.meta.url).pathname;

  const run = (...command: string[]) =>
    promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      cli,
      ...command,
      '--database-url',
      h.url,
    ]).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );

  it('reports a time moved to the same digits BC and exits 1', async () => {
    const proposalId = await approvedTrail(h);
    await shiftProposalEvent(h, proposalId, 1, shifts[0][1]);
    const found = await run('audit', 'verify');
    expect(found.code).toBe(1);
    const [finding] = found.stdout.split('\n').map((line) => line.trim());
    expect(JSON.parse(finding!)).toMatchObject({
      proposalId,
      ok: false,
      problem: 'edited',
      seq: 1,
    });
  });

  it('lanes show prints the edited time as no time, and the broken chain, instead of crashing', async () => {
    const { proposalId, laneId } = await openRefundLane(h.gov, `o-era-${(n += 1)}`);
    await shiftProposalEvent(h, proposalId, 1, shifts[1][1]);
    const shown = await run('lanes', 'show', laneId);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toMatch(/^ {2}not a time \(edited\) +proposal_created/m);
    expect(shown.stdout).toContain('chain: BROKEN (edited');
  });
});
