import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobBackend } from '../../scheduler/jobBackend.js';
import type pg from 'pg';
import { createPreparedStatementPool } from '../../scheduler/jobPool.js';
import { createTestDatabase, embeddedOnly } from '../support/testDatabase.js';

// Agenda's statements reach the server as named prepared statements on a server database.
describe('the job table pool', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPreparedStatementPool({ connectionString: db.url, max: 1 });
  });
  afterAll(async () => {
    if (!pool.ended) await pool.end();
    await db.drop();
  });

  const preparedOnConnection = async () =>
    (
      await pool.query<{ name: string; statement: string }>(
        'select name, statement from pg_prepared_statements order by name',
      )
    ).rows;

  /** The job backend on the test database, connected, with the pool it made. */
  const connectedBackend = async () => {
    const backend = await createJobBackend({ url: db.url, embedded: false });
    await backend.connect();
    const own = (backend as unknown as { _repository: { pool: pg.Pool } })._repository.pool;
    return { backend, own };
  };

  it('names a parameterised text once and reuses the name', async () => {
    const text = 'select $1::int + 1 as n';
    const first = await pool.query<{ n: number }>(text, [1]);
    const second = await pool.query<{ n: number }>(text, [41]);

    expect([first.rows[0]?.n, second.rows[0]?.n]).toEqual([2, 42]);
    const prepared = await preparedOnConnection();
    expect(prepared).toHaveLength(1);
    expect(prepared[0]).toMatchObject({ name: expect.stringMatching(/^agenda_[0-9a-f]{24}$/) });
    expect(prepared[0]!.statement).toContain('select $1::int + 1');
  });

  it('runs text without values unnamed', async () => {
    await pool.query('select 1');
    expect((await preparedOnConnection()).map((p) => p.statement)).not.toContain('select 1');
  });

  it('serves the job backend on a server, and closes with it', async () => {
    const { backend, own } = await connectedBackend();
    // Sequential calls reuse the idle connection, so the second sees the first's statement.
    await own.query('select $1::int as n', [7]);
    const named = await own.query<{ n: number }>(
      "select count(*)::int as n from pg_prepared_statements where name like 'agenda_%'",
    );
    expect(named.rows[0]?.n).toBeGreaterThanOrEqual(1);
    await backend.disconnect();
    expect(own.ended).toBe(true);
  });

  // PGlite's socket takes no startup options; a server applies them to every connection.
  it.skipIf(embeddedOnly)(
    "starts the backend's connections without waiting for commits to reach disk, planning each statement once",
    async () => {
      const { backend, own } = await connectedBackend();
      const settings = await own.query<{ name: string; setting: string }>(
        "select name, setting from pg_settings where name in ('synchronous_commit', 'plan_cache_mode') order by name",
      );
      expect(settings.rows).toEqual([
        { name: 'plan_cache_mode', setting: 'force_generic_plan' },
        { name: 'synchronous_commit', setting: 'off' },
      ]);
      await backend.disconnect();
    },
  );
});
