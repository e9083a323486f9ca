import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGovernance } from '../../src/index.js';
import { countersign } from '../cli/support/builtCli.js';
import { rejectionOf } from '../proposals/fixtures.js';
import { describeWithServer } from '../support/serverOnly.js';
import { createTestDatabase, openSql, serverUrl } from '../support/testDatabase.js';

describeWithServer('a database URL that names no database', () => {
  const name = `cs_typo_${randomBytes(6).toString('hex')}`;
  const typo = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const refusal =
    `database_missing: the database ${typo} does not exist; ` +
    'create it with countersign migrate --create\n';
  let admin: Awaited<ReturnType<typeof openSql>>;
  const exists = async (db: string) =>
    (await admin.query('select 1 from pg_database where datname = ?', [db])).length > 0;

  beforeAll(async () => {
    admin = await openSql(serverUrl);
  });
  afterAll(async () => {
    await admin?.query(`drop database if exists "${name}" with (force)`);
    await admin?.close();
  });

  it('reads refuse it in one line, exit 1, and create nothing; so does migrate unless asked', async () => {
    for (const command of [['pending'], ['lanes', 'list'], ['audit', 'verify'], ['migrate']]) {
      const run = await countersign([...command, '--database-url', typo]);
      expect({ command, code: run.code, stderr: run.stderr }).toEqual({
        command,
        code: 1,
        stderr: refusal,
      });
    }
    expect(await exists(name)).toBe(false);
  });

  it('createGovernance rejects with a DatabaseError (database_missing) and creates nothing', async () => {
    const error = await rejectionOf(createGovernance({ tools: [], databaseUrl: typo }));
    expect(error).toMatchObject({ name: 'DatabaseError', code: 'database_missing' });
    expect(await exists(name)).toBe(false);
  });

  it('migrate --create creates it and applies every migration', async () => {
    const made = await countersign(['migrate', '--create', '--database-url', typo]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^applied Migration\d+_proposals$/m);
    expect(await exists(name)).toBe(true);
    expect((await countersign(['pending', '--database-url', typo])).stdout).toBe(
      'no migrations pending\n',
    );
  });

  it('pending on an empty database lists every migration and creates no table', async () => {
    const empty = await createTestDatabase();
    try {
      const listed = await countersign(['--json', 'pending', '--database-url', empty.url]);
      expect(JSON.parse(listed.stdout).pending.length).toBeGreaterThan(0);
      const sql = await openSql(empty.url);
      const tables = await sql.query("select 1 from pg_tables where schemaname = 'public'");
      await sql.close();
      expect(tables).toEqual([]);
    } finally {
      await empty.drop();
    }
  });
});
