import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainEvents } from '../../src/audit/auditChain.js';
import { createGovernance, isConfigurationError } from '../../src/index.js';
import type { AuditCheckpoint, Governance } from '../../src/index.js';
import { fixtureTools, openRefundLane, useHarness } from '../proposals/fixtures.js';
import { createTestDatabase } from '../support/testDatabase.js';
import type { Harness } from '../proposals/fixtures.js';

// The attacker can write to the database and knows every hash rule, but holds no key: the
// signatures and the checkpoints kept outside the database are what catch them.

const oldKey = { keyId: 'audit-2025', hmacSecret: 'an old secret of at least 32 bytes!!' };
const newKey = { keyId: 'audit-2026', hmacSecret: 'the current secret, 32 bytes or more' };

let orders = 0;
async function approvedTrail(h: Harness | { gov: Governance }) {
  orders += 1;
  const { proposalId, laneId } = await openRefundLane(h.gov, `o-anchor-${orders}`, 900);
  await h.gov.approve(laneId, 'reviewer-1');
  return proposalId;
}

type Row = {
  id: string;
  approval_id: string | null;
  type: string;
  actor_id: string;
  payload: Record<string, unknown>;
  created_at: string;
};

/** Re-chains a proposal's events from genesis (optionally editing one) and moves the head. */
async function rehash(h: Harness, proposalId: string, edit: (rows: Row[]) => Row[]) {
  const rows = edit(
    await h.sql.query<Row>(
      `select id, approval_id, type, actor_id, payload,
              to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at
         from tool_action_events where proposal_id = ? order by seq`,
      [proposalId],
    ),
  );
  const ids = rows.map((r) => r.id);
  const chained = chainEvents(
    proposalId,
    { seq: 0, hash: '0'.repeat(64) },
    rows.map((r) => ({
      type: r.type,
      actorId: r.actor_id,
      approvalId: r.approval_id,
      payload: r.payload,
      createdAt: r.created_at,
    })),
    () => ids.shift()!,
  );
  for (const e of chained.events) {
    await h.sql.query(
      `update tool_action_events set actor_id = ?, payload = ?::jsonb, prev_hash = ?, hash = ?
        where id = ?`,
      [e.actorId, JSON.stringify(e.payload), e.prevHash, e.hash, e.id],
    );
  }
  await h.sql.query('update tool_proposals set audit_seq = ?, audit_head = ? where id = ?', [
    chained.head.seq,
    chained.head.hash,
    proposalId,
  ]);
}

describe('with a signing key', () => {
  const h = useHarness(fixtureTools, {
    enqueue: () => {},
    audit: { signingKey: newKey, verificationKeys: [oldKey] },
  });

  it('an untouched trail verifies, anchored', async () => {
    const proposalId = await approvedTrail(h);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: true,
      events: 3,
      anchored: true,
    });
  });

  it('a full re-hash forgery (edit, recompute every hash and the head) is caught by the signatures', async () => {
    const proposalId = await approvedTrail(h);
    await rehash(h, proposalId, (rows) =>
      rows.map((r) => (r.type === 'approved' ? { ...r, actor_id: 'agent-a' } : r)),
    );
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: false,
      problem: 'bad_signature',
      check: 'signature',
    });
  });

  it('a correctly hashed row appended with the head moved is caught: it is unsigned', async () => {
    const proposalId = await approvedTrail(h);
    const [head] = await h.sql.query<{ seq: number; hash: string }>(
      'select audit_seq as seq, audit_head as hash from tool_proposals where id = ?',
      [proposalId],
    );
    const appended = chainEvents(
      proposalId,
      head!,
      [
        {
          type: 'note',
          actorId: 'mallory',
          approvalId: null,
          payload: {},
          createdAt: new Date().toISOString(),
        },
      ],
      randomUUID,
    );
    const e = appended.events[0]!;
    await h.sql.query(
      `insert into tool_action_events (id, proposal_id, approval_id, seq, type, actor_id, payload,
         prev_hash, hash, created_at, hash_version) values (?, ?, null, ?, ?, ?, '{}', ?, ?, ?, ?)`,
      [e.id, proposalId, e.seq, e.type, e.actorId, e.prevHash, e.hash, e.createdAt, e.hashVersion],
    );
    await h.sql.query('update tool_proposals set audit_seq = ?, audit_head = ? where id = ?', [
      e.seq,
      e.hash,
      proposalId,
    ]);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({
      ok: false,
      problem: 'unsigned',
      seq: 4,
    });
  });

  it('a truncation with the head rewound to an earlier signed head is caught against a checkpoint taken before it', async () => {
    const proposalId = await approvedTrail(h);
    const checkpoint = await h.gov.createAuditCheckpoint();
    expect(await h.gov.verifyAuditCheckpoint(checkpoint)).toMatchObject({ ok: true });
    const [second] = await h.sql.query<{ hash: string }>(
      'select hash from tool_action_events where proposal_id = ? and seq = 2',
      [proposalId],
    );
    await h.sql.query('delete from tool_action_events where proposal_id = ? and seq = 3', [
      proposalId,
    ]);
    await h.sql.query(`update tool_approvals set status = 'pending' where proposal_id = ?`, [
      proposalId,
    ]);
    await h.sql.query('update tool_proposals set audit_seq = 2, audit_head = ? where id = ?', [
      second!.hash,
      proposalId,
    ]);

    expect(await h.gov.verifyAuditTrail(proposalId, { checkpoint })).toMatchObject({
      ok: false,
      problem: 'rolled_back',
      check: 'checkpoint',
      seq: 3,
    });
    expect(await h.gov.verifyAuditCheckpoint(checkpoint)).toMatchObject({
      ok: false,
      problem: 'rolled_back',
      chains: [{ proposalId, seq: 3 }],
    });
  });

  it('a trail covered by a checkpoint verifies with an inclusion proof', async () => {
    const proposalId = await approvedTrail(h);
    const checkpoint = await h.gov.createAuditCheckpoint();
    const verified = await h.gov.verifyAuditTrail(proposalId, { checkpoint });
    expect(verified).toMatchObject({
      ok: true,
      anchored: true,
      checkpoint: { checkpointId: checkpoint.id, covered: true, seq: 3 },
    });
    // Appended after the checkpoint: still verifies (its rows are signed).
    const later = await approvedTrail(h);
    expect(await h.gov.verifyAuditTrail(later, { checkpoint })).toMatchObject({
      ok: true,
      checkpoint: { covered: false },
    });
  });

  it('a tampered checkpoint is reported, not thrown', async () => {
    const checkpoint = await h.gov.createAuditCheckpoint();
    const forged: AuditCheckpoint = { ...checkpoint, count: checkpoint.count + 1 };
    expect(await h.gov.verifyAuditCheckpoint(forged)).toMatchObject({
      ok: false,
      problem: 'bad_signature',
    });
    expect(await h.gov.verifyAuditCheckpoint({ ...checkpoint, keyId: 'nobody' })).toMatchObject({
      ok: false,
      problem: 'unknown_key',
    });
    expect(await h.gov.verifyAuditCheckpoint({ nonsense: true })).toMatchObject({
      ok: false,
      problem: 'checkpoint_invalid',
    });
  });
});

describe('key rotation', () => {
  it('trails signed under an old key verify with it supplied; an unknown key id is reported', async () => {
    const db = await createTestDatabase();
    const open = (audit: Parameters<typeof createGovernance>[0]['audit']) =>
      createGovernance({ tools: fixtureTools, databaseUrl: db.url, enqueue: () => {}, audit });
    try {
      const before = await open({ signingKey: oldKey });
      const proposalId = await approvedTrail({ gov: before });
      await before.close();

      const rotated = await open({ signingKey: newKey, verificationKeys: [oldKey] });
      expect(await rotated.verifyAuditTrail(proposalId)).toMatchObject({
        ok: true,
        anchored: true,
      });
      await rotated.close();

      const forgetful = await open({ signingKey: newKey });
      expect(await forgetful.verifyAuditTrail(proposalId)).toMatchObject({
        ok: false,
        problem: 'unknown_key',
        check: 'signature',
      });
      await forgetful.close();
    } finally {
      await db.drop();
    }
  });

  it('signs with an Ed25519 key; verification needs only the public key', async () => {
    const db = await createTestDatabase();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    try {
      const signer = await createGovernance({
        tools: fixtureTools,
        databaseUrl: db.url,
        enqueue: () => {},
        audit: { signingKey: { keyId: 'ed-1', privateKey } },
      });
      const proposalId = await approvedTrail({ gov: signer });
      await signer.close();
      const verifier = await createGovernance({
        tools: fixtureTools,
        databaseUrl: db.url,
        enqueue: () => {},
        audit: { verificationKeys: [{ keyId: 'ed-1', publicKey }] },
      });
      expect(await verifier.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
      await verifier.close();
    } finally {
      await db.drop();
    }
  });

  it.each([
    ['a short HMAC secret', { signingKey: { keyId: 'k', hmacSecret: 'short' } }],
    [
      'a malformed key id',
      { signingKey: { keyId: 'no spaces allowed', hmacSecret: 'x'.repeat(32) } },
    ],
    [
      'an RSA key',
      {
        signingKey: {
          keyId: 'k',
          privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
        },
      },
    ],
  ])('%s is a ConfigurationError at start', async (_what, audit) => {
    await expect(
      createGovernance({ tools: fixtureTools, databaseUrl: 'postgres://unused', audit }),
    ).rejects.toSatisfy(isConfigurationError);
  });

  it('without a key, checkpoints are refused and trails say anchored: false', async () => {
    const db = await createTestDatabase();
    const gov = await createGovernance({
      tools: fixtureTools,
      databaseUrl: db.url,
      enqueue: () => {},
    });
    try {
      const proposalId = await approvedTrail({ gov });
      expect(await gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, anchored: false });
      await expect(gov.createAuditCheckpoint()).rejects.toSatisfy(isConfigurationError);
    } finally {
      await gov.close();
      await db.drop();
    }
  });
});
