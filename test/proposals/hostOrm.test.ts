import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countersignEntities, createGovernance, isConfigurationError } from '../../src/index.js';
import { createTestDatabase } from '../support/testDatabase.js';
import { noteTool as note } from './fixtures.js';

// A host that brings its own MikroORM: countersign migrates with its own migrations and
// leaves the host's ORM open when it closes.
describe('a host-supplied MikroORM', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let orm: MikroORM;
  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init({
      clientUrl: db.url,
      entities: [...countersignEntities],
      pool: { min: 0, max: 2 },
    });
  });
  afterAll(async () => {
    await orm.close(true);
    await db.drop();
  });

  it('proposes through it, and closing governance leaves it usable', async () => {
    const gov = await createGovernance({ tools: [note], orm, enqueue: () => {} });
    const result = await gov.propose('note', 'agent-1', { input: { text: 'hello' } });
    expect(result.ok).toBe(true);
    await gov.close();
    const [row] = await orm.em
      .fork()
      .getConnection()
      .execute('select count(*)::int as n from tool_proposals');
    expect(row).toEqual({ n: 1 });
    const [applied] = await orm.em
      .fork()
      .getConnection()
      .execute('select count(*)::int as n from countersign_migrations');
    expect(applied!.n).toBeGreaterThan(0);
  });

  it('refuses an ORM that does not map countersign entities', async () => {
    const bare = await MikroORM.init({
      clientUrl: db.url,
      entities: [],
      discovery: { warnWhenNoEntities: false },
    });
    try {
      const error = await createGovernance({ tools: [note], orm: bare }).catch((e: unknown) => e);
      expect(isConfigurationError(error)).toBe(true);
      expect(String(error)).toContain('countersignEntities');
    } finally {
      await bare.close(true);
    }
  });
});
