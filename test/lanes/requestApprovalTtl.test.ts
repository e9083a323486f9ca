import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk, proposeRefund, useLaneHarness } from './support/laneHarness.js';
import type { Governance } from '../../src/index.js';

// expires_at = the governance clock + ttl: the default, a per-call ttl, and a global override.
describe('requestApproval deadline', () => {
  const now = new Date('2031-05-04T09:30:00.000Z');
  const h = useLaneHarness({ clock: () => now });
  let shortTtl: Governance;
  beforeAll(async () => {
    shortTtl = await h.open({ approvalTtlSeconds: 900 });
  });

  async function deadlineOf(gov: Governance, ttlSeconds?: number) {
    const proposalId = await proposeRefund(gov);
    const approval = expectOk(
      await gov.requestApproval(proposalId, ttlSeconds === undefined ? {} : { ttlSeconds }),
    );
    const row = await h.laneRow(approval.id);
    const job = h.jobs.find((j) => j.laneId === approval.id);
    return { stored: row.expires_at_ms, returned: approval.expiresAt?.getTime(), job };
  }

  it('defaults to 172800 seconds (48 h)', async () => {
    const expected = now.getTime() + 172_800_000;
    const { stored, returned, job } = await deadlineOf(h.gov);
    expect(stored).toBe(expected);
    expect(returned).toBe(expected);
    expect(job?.runAt?.getTime()).toBe(expected);
  });

  it('uses the per-call ttlSeconds', async () => {
    const expected = now.getTime() + 3_600_000;
    const { stored, job } = await deadlineOf(h.gov, 3_600);
    expect(stored).toBe(expected);
    expect(job?.runAt?.getTime()).toBe(expected);
  });

  it("uses createGovernance's approvalTtlSeconds as the default", async () => {
    const expected = now.getTime() + 900_000;
    const { stored, job } = await deadlineOf(shortTtl);
    expect(stored).toBe(expected);
    expect(job?.runAt?.getTime()).toBe(expected);
  });

  it('lets a per-call ttlSeconds win over the global override', async () => {
    const { stored } = await deadlineOf(shortTtl, 60);
    expect(stored).toBe(now.getTime() + 60_000);
  });
});
