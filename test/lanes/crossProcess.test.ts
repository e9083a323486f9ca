import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useLaneHarness } from './support/laneHarness.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const childScript = fileURLToPath(new URL('./fixtures/approveInChild.ts', import.meta.url));

interface ChildOutput {
  pid: number;
  result: { ok: boolean; error?: string; reason?: string; approval?: Record<string, unknown> };
  jobs: { name: string; laneId: string; runAt: string | null }[];
  runs: number;
}

// No actor lives in memory between events, so any process can take a lane's next event.
describe('a lane decided in another process', () => {
  const h = useLaneHarness();

  async function approveInChild(laneId: string, actorId: string): Promise<ChildOutput> {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', childScript], {
      cwd: repoRoot,
      env: {
        ...process.env,
        LANE_TEST_DATABASE_URL: h.url,
        LANE_TEST_LANE_ID: laneId,
        LANE_TEST_ACTOR_ID: actorId,
      },
      timeout: 30_000,
    });
    return JSON.parse(stdout) as ChildOutput;
  }

  it('is approved by a fresh child process and read back here as approved, version 2', async () => {
    const { proposalId, laneId } = await h.openRefundLane();

    const child = await approveInChild(laneId, 'bob');

    expect(child.pid).not.toBe(process.pid);
    expect(child.result).toMatchObject({
      ok: true,
      approval: { id: laneId, status: 'approved', version: 2, decidedBy: 'bob' },
    });
    expect(child.jobs).toEqual([{ name: 'countersign:approval-resume', laneId, runAt: null }]);
    expect(child.runs).toBe(0);

    const seen = await h.gov.getLatestApproval(proposalId);
    expect(seen).toMatchObject({
      id: laneId,
      status: 'approved',
      version: 2,
      decidedBy: 'bob',
      note: `approved in pid ${child.pid}`,
    });
    expect(await h.laneRow(laneId)).toMatchObject({ status: 'approved', version: 2 });
    expect((await h.laneEvents(laneId)).map((e) => e.type)).toEqual([
      'approval_requested',
      'approved',
    ]);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true, events: 3 });
    // This process carries on from the child's state.
    expect(await h.gov.approve(laneId, 'carol')).toMatchObject({ ok: false, error: 'not_pending' });
  });

  it("applies the machine's guards in the child too: the proposer is refused, nothing written", async () => {
    const { laneId } = await h.openRefundLane();
    const before = await h.fingerprint();

    const child = await approveInChild(laneId, 'alice');

    expect(child.result).toEqual({ ok: false, error: 'forbidden', reason: 'four_eyes' });
    expect(child.jobs).toEqual([]);
    expect(await h.fingerprint()).toBe(before);
  });
});
