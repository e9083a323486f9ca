import { describe, expect, it } from 'vitest';
import { inputHash } from '../../src/canonicalJson.js';
import { approver, proposer } from '../workers/support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite } from '../workers/support/workerHarness.js';
import { decisionOverrides, decisionTools } from './support/decisionTools.js';

// Workers start only once the rows have been tampered with (or downgraded).
const h = useWorkerSuite({
  tools: decisionTools,
  overrides: decisionOverrides,
  startWorkers: false,
});

/** Proposes a transfer of 900 cents tagged `tag` and opens its lane. */
async function openTransfer(tag: string) {
  const input = { tag, account: 'acme', cents: 900 };
  const proposed = await h.gov.propose('transfer', proposer, { input });
  if (!proposed.ok) throw new Error(JSON.stringify(proposed));
  const opened = await h.gov.requestApproval(proposed.proposal.id);
  if (!opened.ok) throw new Error(JSON.stringify(opened));
  return { input, laneId: opened.approval.id, proposalId: proposed.proposal.id };
}

async function approvedEdit(cents: number) {
  const tag = uniqueTag('tamper');
  const { input, laneId, proposalId } = await openTransfer(tag);
  const approved = await h.gov.approve(laneId, approver, { input: { ...input, cents } });
  expect(approved).toMatchObject({ ok: true, approval: { status: 'approved' } });
  return { tag, laneId, proposalId };
}

/** Sets the stored edited input (and, `rehash`, every hash of it in the row) to `input`. */
async function swapEditedInput(laneId: string, input: unknown, rehash: boolean) {
  const hash = JSON.stringify(inputHash(input));
  const paths = rehash
    ? `jsonb_set(jsonb_set(jsonb_set(snapshot, '{context,edit,input}', ?::jsonb),
         '{context,edit,inputHash}', ?::jsonb), '{context,decision,inputHash}', ?::jsonb)`
    : `jsonb_set(snapshot, '{context,edit,input}', ?::jsonb)`;
  const params = rehash ? [JSON.stringify(input), hash, hash] : [JSON.stringify(input)];
  await h.sql.query(`update tool_approvals set snapshot = ${paths} where id = ?`, [
    ...params,
    laneId,
  ]);
}

const lanes: Record<string, { tag: string; laneId: string; proposalId: string }> = {};

describe('before the workers start', () => {
  it('the stored edited input is swapped, alone or with every hash of it in the row', async () => {
    lanes.swapped = await approvedEdit(500);
    lanes.rehashed = await approvedEdit(500);
    const forged = { tag: lanes.swapped.tag, account: 'mallory', cents: 9_999 };
    await swapEditedInput(lanes.swapped.laneId, forged, false);
    await swapEditedInput(lanes.rehashed.laneId, { ...forged, tag: lanes.rehashed.tag }, true);
  });

  it('a lane persisted by the previous machine version (3) is decided with an edit', async () => {
    const tag = uniqueTag('v3');
    const { input, laneId, proposalId } = await openTransfer(tag);
    // What version 3 stored: no edit, quorum or votes in the context.
    await h.sql.query(
      `update tool_approvals set machine_version = 3, snapshot = snapshot #- '{context,edit}'
         #- '{context,quorum}' #- '{context,approvals}' #- '{context,rejections}' where id = ?`,
      [laneId],
    );
    const approved = await h.gov.approve(laneId, approver, { input: { ...input, cents: 700 } });
    expect(approved).toMatchObject({
      ok: true,
      approval: { status: 'approved', machineVersion: 4 },
    });
    lanes.upgraded = { tag, laneId, proposalId };
  });
});

describe('once the workers run', () => {
  it('the swapped inputs are refused, nothing runs, and the trail shows the rows lie', async () => {
    await h.gov.startWorkers();
    for (const lane of [lanes.swapped!, lanes.rehashed!]) {
      // The row's snapshot is not its chain's: the workers write nothing and hold it back.
      await h.waitHeldBack(lane.laneId);
      expect((await h.laneState(lane.laneId)).status).toBe('approved');
      expect(await h.runsOf(lane.tag)).toEqual([]);
      expect(await h.gov.verifyAuditTrail(lane.proposalId)).toMatchObject({ ok: false });
    }
  });

  it('the upgraded lane runs its edited input once, its trail verifying', async () => {
    const lane = lanes.upgraded!;
    await h.waitForLane(lane.laneId, ['executed']);
    const runs = await h.runsOf(lane.tag);
    expect(runs.map((r) => JSON.parse(r.note!).cents)).toEqual([700]);
    expect(await h.gov.verifyAuditTrail(lane.proposalId)).toMatchObject({ ok: true });
  });
});
