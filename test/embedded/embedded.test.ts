import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../persistence/database.js';
import { createGovernance } from '../../src/governance.js';
import type { Governance } from '../../src/governance.js';
import { fixtureTools, payer } from '../proposals/fixtures.js';

// This file runs in its own worker process, so removing the variable here proves that
// countersign falls back to the embedded database without touching other suites.
delete process.env.DATABASE_URL;

let gov: Governance;
beforeAll(async () => {
  gov = await createGovernance({ tools: fixtureTools, embeddedDataDir: 'memory://' });
});
afterAll(async () => {
  await gov?.close();
});

describe('the embedded database (no DATABASE_URL)', () => {
  const call = { input: { orderId: 'emb-1', cents: 300 }, ...payer, conversationId: 'emb-conv' };

  it('stores a proposal with its created event', async () => {
    const result = await gov.propose('refund', 'agent-e', call);
    if (!result.ok) throw new Error(`expected a proposal, got ${result.outcome}`);
    expect(result).toMatchObject({ duplicate: false, proposal: { status: 'proposed' } });
    expect(await gov.getProposal(result.proposal.id)).toEqual(result.proposal);
    const events = await gov.listEvents(result.proposal.id);
    expect(events.map((e) => e.type)).toEqual(['proposal_created']);
  });

  it('returns the existing proposal for a duplicate', async () => {
    const first = await gov.propose('refund', 'agent-e', call);
    const again = await gov.propose('refund', 'agent-e', call);
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(again.proposal?.id).toBe(first.proposal?.id);
  });

  it('collapses racing duplicates into one proposal', async () => {
    const race = { ...call, input: { orderId: 'emb-race', cents: 1 }, conversationId: 'emb-race' };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => gov.propose('refund', 'agent-e', race)),
    );
    expect(new Set(results.map((r) => r.proposal?.id)).size).toBe(1);
    expect(results.filter((r) => r.ok && !r.duplicate)).toHaveLength(1);
  });

  it('stores a blocked proposal with its blocked event', async () => {
    const result = await gov.propose('refund', 'agent-e', {
      input: { orderId: 'emb-2', cents: 5 },
      conversationId: 'emb-conv',
    });
    expect(result).toMatchObject({ ok: false, outcome: 'scope_invalid' });
    expect(result.proposal).toMatchObject({ status: 'blocked' });
    const events = await gov.listEvents(result.proposal!.id);
    expect(events.map((e) => e.type)).toEqual(['proposal_blocked']);
  });

  it('reports an unknown tool without storing it', async () => {
    const result = await gov.propose('nope', 'agent-e', { input: {}, conversationId: 'emb-conv' });
    expect(result).toMatchObject({ ok: false, outcome: 'unsupported', proposal: null });
  });

  it('lists the conversation newest first, with events', async () => {
    const listed = await gov.listProposalsForConversation('emb-conv');
    expect(listed.map((p) => p.status)).toEqual(['blocked', 'proposed']);
    expect(listed.every((p) => p.events.length === 1)).toBe(true);
    expect(await gov.listProposalsForConversation('emb-none')).toEqual([]);
  });

  it('verifies the audit trail', async () => {
    const [latest] = await gov.listProposalsForConversation('emb-conv');
    expect(await gov.verifyAuditTrail(latest!.id)).toMatchObject({ ok: true, events: 1 });
  });
});

describe('who can reach the embedded database', () => {
  it('serves it on a Unix socket in an owner-only directory, removed on close', async () => {
    const db = await openDatabase({ embeddedDataDir: 'memory://' });
    const socketDir = decodeURIComponent(new URL(db.url).hostname);
    try {
      expect(socketDir.startsWith('/')).toBe(true);
      expect(statSync(socketDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(socketDir, '.s.PGSQL.5432')).isSocket()).toBe(true);
      // The same URL is what Agenda's backend is given: node-postgres must reach it too.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ one: number }>('select 1 as one');
      await client.end();
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
    expect(existsSync(socketDir)).toBe(false);
  });
});
