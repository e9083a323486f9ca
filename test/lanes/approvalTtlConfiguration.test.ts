import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGovernance, isConfigurationError } from '../../src/index.js';
import { createTestDatabase } from '../support/testDatabase.js';
import { expectOk, proposeRefund } from './support/laneHarness.js';
import { laneTools } from './support/laneTools.js';

// The global TTL deserves the checks the per-call ttlSeconds gets (a positive whole number of
// seconds): a lane born expired can never be approved, and NaN breaks the first request.
describe('createGovernance approvalTtlSeconds', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it.each([0, -60, Number.NaN, Number.POSITIVE_INFINITY, 1.5])(
    'refuses %s at start-up with a ConfigurationError',
    async (approvalTtlSeconds) => {
      const error: unknown = await createGovernance({
        tools: laneTools({ runs: 0 }),
        databaseUrl: db.url,
        enqueue: () => {},
        approvalTtlSeconds,
      }).then(
        async (gov) => {
          await gov.close();
          return null;
        },
        (e: unknown) => e,
      );
      expect(
        isConfigurationError(error),
        `createGovernance resolved or threw ${String(error)}`,
      ).toBe(true);
    },
  );

  it('accepts a positive whole number of seconds and opens lanes with it', async () => {
    const now = new Date('2031-07-01T00:00:00.000Z');
    const gov = await createGovernance({
      tools: laneTools({ runs: 0 }),
      databaseUrl: db.url,
      enqueue: () => {},
      approvalTtlSeconds: 60,
      clock: () => now,
    });
    try {
      const proposalId = await proposeRefund(gov);
      const approval = expectOk(await gov.requestApproval(proposalId));
      expect(approval.expiresAt?.getTime()).toBe(now.getTime() + 60_000);
    } finally {
      await gov.close();
    }
  });
});
