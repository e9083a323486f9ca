import { createGovernance } from '../src/governance.js';
import type { Governance } from '../src/governance.js';
import { openLanes, stockLanes, transfer } from './laneFixtures.js';
import { count, createBenchDatabase, perSecond, rawOrm } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CHAINS = 100_000;
const signingKey = { keyId: 'bench', hmacSecret: 'a bench secret of at least 32 bytes' };

/** Approvals/s of `gov` over its own pending lanes, at concurrency 8, for `ms`. */
function decide(gov: Governance, lanes: string[], ms: number): Promise<number> {
  return perSecond(ms, 8, async () => {
    const laneId = lanes.pop();
    if (!laneId) throw new Error('out of pending lanes');
    const result = await gov.approve(laneId, 'approver-1');
    if (!result.ok) throw new Error(`approve refused: ${result.error}`);
  });
}

/**
 * Prints decisions/s with head signing on next to off (two governances on one database,
 * alternating one-second rounds), and the time to create and to verify a checkpoint over
 * 100,000 chains.
 */
export async function runAuditBench(): Promise<void> {
  const db = await createBenchDatabase();
  const open = (audit?: { signingKey: typeof signingKey }) =>
    createGovernance({ tools: [transfer], databaseUrl: db.url, enqueue: () => {}, audit });
  const [plain, signed] = [await open(), await open({ signingKey })];
  try {
    const lanes = {
      plain: await openLanes(plain, 3_000, 8),
      signed: await openLanes(signed, 3_000, 8),
    };
    // The warm-up rounds size each side's stock of pending lanes for the measured rounds.
    await stockLanes(plain, lanes.plain, await decide(plain, lanes.plain, 200), SECONDS, 12_000);
    await stockLanes(
      signed,
      lanes.signed,
      await decide(signed, lanes.signed, 200),
      SECONDS,
      12_000,
    );
    let off = 0;
    let on = 0;
    for (let round = 0; round < SECONDS; round += 1) {
      off += (await decide(plain, lanes.plain, 1000)) / SECONDS;
      on += (await decide(signed, lanes.signed, 1000)) / SECONDS;
    }
    console.log(
      `decisions c=8 with head signing (HMAC-SHA-256): ${count(on)} events/s | without: ` +
        `${count(off)} events/s | ${((on / off) * 100).toFixed(0)}% (goal >= 90%)`,
    );

    // 100,000 chains: the proposals so far, then copies of one (a head each).
    const orm = await rawOrm(db.url, 1);
    // Each copy gets the template's head event, which is all a checkpoint looks at.
    await orm.em.getConnection().execute(
      `with t as (select * from tool_proposals limit 1),
       p as (insert into tool_proposals (id, tool_name, tool_version, actor_id, status, risk_tier,
           approval_mode, tool_snapshot, input_snapshot, actor_snapshot, audit_seq, audit_head,
           created_at)
         select gen_random_uuid(), t.tool_name, t.tool_version, t.actor_id, t.status, t.risk_tier,
           t.approval_mode, t.tool_snapshot, t.input_snapshot, t.actor_snapshot, t.audit_seq,
           t.audit_head, now()
         from t, generate_series(1, greatest(0, ? - (select count(*) from tool_proposals)))
         returning id)
       insert into tool_action_events (id, proposal_id, approval_id, seq, type, actor_id, payload,
         prev_hash, hash, created_at, hash_version, signature, key_id)
       select gen_random_uuid(), p.id, null, e.seq, e.type, e.actor_id, e.payload, e.prev_hash,
         e.hash, e.created_at, e.hash_version, e.signature, e.key_id
       from p, t join tool_action_events e on e.proposal_id = t.id and e.seq = t.audit_seq`,
      [CHAINS],
    );
    await orm.em.getConnection().execute('analyze');
    await orm.close(true);
    let started = performance.now();
    const checkpoint = await signed.createAuditCheckpoint();
    const created = (performance.now() - started) / 1000;
    started = performance.now();
    const verified = await signed.verifyAuditCheckpoint(checkpoint);
    const checked = (performance.now() - started) / 1000;
    if (!verified.ok) throw new Error(`checkpoint did not verify: ${verified.problem}`);
    console.log(
      `checkpoint over ${count(checkpoint.count)} chains: created in ${created.toFixed(2)} s, ` +
        `verified in ${checked.toFixed(2)} s (goal < 2 s each)`,
    );
  } finally {
    await plain.close();
    await signed.close();
    await db.drop();
  }
}
