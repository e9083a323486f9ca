// The chain decides a case, not its row: SQL playing an attacker who can write the database
// (a signing key configured) edits a case's ledger or moves it to another policy version,
// and no call runs that the case's chain does not allow.
import { describe, expect, it } from 'vitest';
import { CaseSnapshotError } from '../../src/index.js';
import type { PolicyBody } from '../../src/index.js';
import {
  caseLanes,
  caseTools,
  executeAll,
  openPolicyCase,
  proposeInCase,
} from './support/caseWorkers.js';
import { proposer } from '../workers/support/sideEffectTools.js';
import { terminal, useWorkerSuite, waitFor } from '../workers/support/workerHarness.js';

const signingKey = { keyId: 'case-key', hmacSecret: 'a-case-signing-secret-of-32-chars!' };
const h = useWorkerSuite({ tools: caseTools, overrides: { audit: { signingKey } } });

let n = 0;
const fresh = (what: string) => `${what}-${(n += 1)}`;

/** How many times the tools ran for tags starting with `prefix`. */
async function runs(prefix: string): Promise<number> {
  const [row] = await h.sql.query<{ n: number }>(
    'select count(*)::int as n from side_effects where starts_with(tag, ?)',
    [prefix],
  );
  return row!.n;
}

/** Starts the proposals' runs and waits until all of the case's `total` lanes have ended. */
async function runAll(caseId: string, proposals: string[], total: number) {
  await executeAll(h.gov, proposals);
  return waitFor(
    `${total} lanes of ${caseId} to end`,
    () => caseLanes(h.sql, caseId),
    (lanes) => lanes.length === total && lanes.every((l) => terminal.includes(l.status)),
    30_000,
  );
}

/** Proposes `count` tick calls tagged `prefix-i` in the case; returns their proposal ids. */
function ticks(caseId: string, prefix: string, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      proposeInCase(h.gov, caseId, 'tick', { tag: `${prefix}-${i}` }),
    ),
  );
}

/** The attacker's one update of the case row; the version moves so every cache re-reads. */
function tamper(caseId: string, set: string, values: unknown[] = []) {
  return h.sql.query(`update governance_cases set version = version + 1, ${set} where id = ?`, [
    ...values,
    caseId,
  ]);
}

/** What a case that fails closed looks like: typed refusals, nothing run, the field named. */
async function expectFailedClosed(caseId: string, field: string) {
  expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({
    ok: false,
    problem: 'inconsistent',
    field,
  });
  const reading = h.gov.checkBudget(caseId);
  await expect(reading).rejects.toBeInstanceOf(CaseSnapshotError);
  await expect(reading).rejects.toMatchObject({ code: 'inconsistent', field });
  const proposing = h.gov.propose('tick', proposer, { input: { tag: fresh('late') }, caseId });
  await expect(proposing).rejects.toMatchObject({
    name: 'CaseSnapshotError',
    code: 'inconsistent',
  });
}

const budget: PolicyBody = { budgets: { '/': { maxEffects: 2 } } };

describe('a case whose ledger is edited in its row runs nothing its chain does not allow', () => {
  it.each([
    [
      'its limit raised',
      `snapshot = jsonb_set(snapshot, '{context,ledger,levels,/,limit}', '{"maxEffects":1000}')`,
    ],
    ['its levels emptied', `snapshot = jsonb_set(snapshot, '{context,ledger,levels}', '{}')`],
  ])('%s: no run, each claim refused, the ledger named', async (_label, set) => {
    const tag = fresh('raised');
    const caseId = await openPolicyCase(h.gov, tag, budget);
    const proposals = await ticks(caseId, tag, 5);
    await tamper(caseId, set);

    const lanes = await runAll(caseId, proposals, 5);
    expect(await runs(`${tag}-`)).toBe(0);
    for (const lane of lanes) {
      expect(lane).toMatchObject({
        status: 'execution_failed',
        failure: { code: 'case_unavailable' },
      });
    }
    await expectFailedClosed(caseId, 'ledger');
  });

  it('its used and reserved reset after the budget was spent: no further run', async () => {
    const tag = fresh('reset');
    const caseId = await openPolicyCase(h.gov, tag, budget);
    const proposals = await ticks(caseId, tag, 5);
    await runAll(caseId, proposals.slice(0, 2), 2);
    expect(await runs(`${tag}-`)).toBe(2);
    const nothing = '{"effects":0,"timeMs":0,"cost":0}';
    await tamper(
      caseId,
      `snapshot = jsonb_set(jsonb_set(snapshot, '{context,ledger,levels,/,used}', ?::jsonb),
                            '{context,ledger,levels,/,reserved}', ?::jsonb)`,
      [nothing, nothing],
    );

    const lanes = await runAll(caseId, proposals.slice(2), 5);
    expect(await runs(`${tag}-`)).toBe(2);
    expect(lanes.filter((l) => l.status === 'executed')).toHaveLength(2);
    await expectFailedClosed(caseId, 'ledger');
  });

  it('its levels emptied in a process that had read the case: a typed error, never a TypeError', async () => {
    const tag = fresh('emptied');
    const caseId = await openPolicyCase(h.gov, tag, budget);
    await proposeInCase(h.gov, caseId, 'tick', { tag: `${tag}-0` }); // this process reads the case
    await tamper(caseId, `snapshot = jsonb_set(snapshot, '{context,ledger,levels}', '{}')`);
    const proposing = h.gov.propose('tick', proposer, { input: { tag: `${tag}-1` }, caseId });
    await expect(proposing).rejects.toBeInstanceOf(CaseSnapshotError);
    await expect(proposing).rejects.toMatchObject({ code: 'inconsistent', field: 'ledger' });
  });
});

describe('a case moved to another genuine policy version keeps the version it was opened under', () => {
  /** A case under v1 (only `tick` allowed), and v2 of its policy allowing `charge` too. */
  async function caseWithLooserVersion() {
    const tag = fresh('moved');
    const caseId = await openPolicyCase(h.gov, tag, { allowlists: { '/': ['tick'] } });
    const v2 = await h.gov.setAllowlist(tag, '/', ['tick', 'charge'], { actorId: 'admin-1' });
    const refused = await h.gov.propose('charge', proposer, { input: { tag: `${tag}-c` }, caseId });
    expect(refused).toMatchObject({ ok: false, outcome: 'allowlist_violation' });
    return { tag, caseId, v2 };
  }

  it('its version, hash and snapshot moved to v2: the refused call does not run, the version named', async () => {
    const { tag, caseId, v2 } = await caseWithLooserVersion();
    const pending = await ticks(caseId, tag, 1);
    await tamper(
      caseId,
      `policy_version = ?, policy_hash = ?,
       snapshot = jsonb_set(snapshot, '{context,policy}', ?::jsonb)`,
      [v2.version, v2.hash, JSON.stringify({ name: tag, version: v2.version, hash: v2.hash })],
    );

    const charging = h.gov.propose('charge', proposer, { input: { tag: `${tag}-c2` }, caseId });
    await expect(charging).rejects.toMatchObject({
      name: 'CaseSnapshotError',
      code: 'inconsistent',
    });
    const [lane] = await runAll(caseId, pending, 1);
    expect(lane).toMatchObject({
      status: 'execution_failed',
      failure: { code: 'case_unavailable' },
    });
    expect(await runs(`${tag}-`)).toBe(0);
    await expectFailedClosed(caseId, 'policyVersion');
  });

  it("its version's body replaced by v2's: nothing runs, the policy named", async () => {
    const { tag, caseId, v2 } = await caseWithLooserVersion();
    await h.sql.query(
      'update governance_policies set body = ?::jsonb where name = ? and version = 1',
      [JSON.stringify(v2.body), tag],
    );
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({
      ok: false,
      problem: 'inconsistent',
      field: 'policy',
    });
    // Judged under the genuine v1 body, as this process keeps it by its hash.
    const charging = await h.gov.propose('charge', proposer, {
      input: { tag: `${tag}-c2` },
      caseId,
    });
    expect(charging).toMatchObject({ ok: false, outcome: 'allowlist_violation' });
    expect(await runs(`${tag}-`)).toBe(0);
  });
});

describe('an untouched case verifies by its replay', () => {
  it('after runs, settles and a receipt its trail is intact and says it counts its version', async () => {
    const tag = fresh('intact');
    const caseId = await openPolicyCase(h.gov, tag, budget);
    await runAll(caseId, await ticks(caseId, tag, 3), 3);
    expect(await runs(`${tag}-`)).toBe(2);
    expect(await h.gov.verifyCaseTrail(caseId)).toMatchObject({
      ok: true,
      legacy: { events: 0, versionBounded: false },
    });
    expect((await h.gov.checkBudget(caseId))?.levels[0]).toMatchObject({ used: { effects: 2 } });
  });
});
