import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createGovernance, isConfigurationError } from '../../src/index.js';
import { migrationsList } from '../../persistence/migrations/index.js';
import { createTestDatabase, openSql } from '../support/testDatabase.js';
import { fixtureTools, payer, useHarness } from './fixtures.js';
import { describeWithServer } from '../support/serverOnly.js';

// Promises the README makes about proposals, migrations and telemetry, each held to.
const run = promisify(execFile);
const cli = new URL('../../src/cli.ts', import.meta.url).pathname;

/** Runs `countersign <command> --database-url url` in a child process. */
const countersign = (command: string, url: string) =>
  run(process.execPath, ['--import', 'tsx', cli, command, '--database-url', url]);

describe('telemetry channels', () => {
  const h = useHarness();
  const seen: [string, Record<string, unknown>][] = [];
  const names = ['validated', 'blocked', 'proposed', 'duplicate'] as const;
  const listeners = names.map((name) => {
    const listen = (m: unknown) => void seen.push([name, m as Record<string, unknown>]);
    subscribe(`countersign:${name}`, listen);
    return [name, listen] as const;
  });
  afterAll(() => {
    for (const [name, listen] of listeners) unsubscribe(`countersign:${name}`, listen);
  });

  it('publish validated, proposed, duplicate and blocked with their documented fields', async () => {
    const input = { orderId: 'o-telemetry', cents: 5 };
    const first = await h.gov.propose('refund', 'agent-t', { input, ...payer });
    await h.gov.propose('refund', 'agent-t', { input, ...payer });
    await h.gov.propose('refund', 'agent-t', { input: { orderId: 'o-t2', cents: 5 } });
    if (!first.ok) throw new Error('blocked');

    expect(seen).toEqual(
      expect.arrayContaining([
        ['validated', { tool: 'refund', actorId: 'agent-t' }],
        ['proposed', { proposalId: first.proposal.id, tool: 'refund', actorId: 'agent-t' }],
        ['duplicate', { proposalId: first.proposal.id, tool: 'refund', actorId: 'agent-t' }],
        [
          'blocked',
          {
            tool: 'refund',
            actorId: 'agent-t',
            outcome: 'scope_invalid',
            reason: 'missing scopes: payments:write',
          },
        ],
      ]),
    );
  });
});

describeWithServer('migrations by several processes at once', () => {
  it('two processes starting at once on a fresh database apply each migration once', async () => {
    const db = await createTestDatabase();
    const sql = await openSql(db.url);
    try {
      const govs = await Promise.all(
        [1, 2].map(() =>
          createGovernance({ tools: fixtureTools, databaseUrl: db.url, enqueue: () => {} }),
        ),
      );
      const rows = await sql.query<{ name: string }>('select name from countersign_migrations');
      expect(rows.map((r) => r.name).sort()).toEqual(migrationsList.map((m) => m.name).sort());
      for (const gov of govs) await gov.close();
    } finally {
      await sql.close();
      await db.drop();
    }
  });
});

describe('migrations', () => {
  it('with applyMigrations: false, start fails on a database with pending migrations and works once migrated (by the CLI)', async () => {
    const db = await createTestDatabase();
    const open = () =>
      createGovernance({
        tools: fixtureTools,
        databaseUrl: db.url,
        enqueue: () => {},
        applyMigrations: false,
      });
    try {
      await expect(open()).rejects.toSatisfy(isConfigurationError);
      const pending = await countersign('pending', db.url);
      expect(pending.stdout.trim().split('\n')).toHaveLength(migrationsList.length);
      const applied = await countersign('migrate', db.url);
      expect(applied.stdout).toContain(`applied ${migrationsList.at(-1)!.name}`);
      const after = await countersign('pending', db.url);
      expect(after.stdout.trim()).toBe('no migrations pending');
      const gov = await open();
      await gov.close();
    } finally {
      await db.drop();
    }
  });
});
