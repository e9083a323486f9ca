import { beforeAll, describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../../src/index.js';
import { expectOk } from './support/lifecycle.js';
import {
  approver,
  needsApproval,
  proposer,
  recordingTool,
  sideEffectTools,
} from './support/sideEffectTools.js';
import type { Sql } from './support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite } from './support/workerHarness.js';

// SQL plays the attacker: it edits what a tool will run after someone approved it, or forces
// a lane to approved with no decision in its chain. The approval binds the whole call, and
// the authority to run comes from the chain, so none of it runs.

/** `refund` in two versions, and `wipe`, which no one may ever run. */
function tools(sql: Sql): ToolDefinition[] {
  const refund = { ...needsApproval, name: 'refund', riskTier: 'high' } as const;
  return [
    ...sideEffectTools(sql),
    recordingTool(sql, { ...refund, version: '1' }, (tag) => ({ refunded: tag })),
    recordingTool(sql, { ...refund, version: '2' }, (tag) => ({ refunded: tag, v: 2 })),
    recordingTool(
      sql,
      { name: 'wipe', riskTier: 'critical', approvalMode: 'always_block' },
      (tag) => ({ wiped: tag }),
    ),
  ];
}

type Lane = { proposalId: string; laneId: string; tag: string };

describe('the approval binds the whole call', () => {
  const h = useWorkerSuite({ tools, startWorkers: false });
  const lanes = {} as Record<'toolSwap' | 'versionSwap' | 'inputSwap' | 'forced' | 'control', Lane>;

  async function refundLane(tag: string, approve: boolean): Promise<Lane> {
    const proposed = await h.gov.propose({ name: 'refund', version: '1' }, proposer, {
      input: { tag },
    });
    if (!proposed.ok) throw new Error(`blocked: ${JSON.stringify(proposed)}`);
    const lane = expectOk(await h.gov.requestApproval(proposed.proposal.id));
    if (approve) expectOk(await h.gov.approve(lane.id, approver));
    return { proposalId: proposed.proposal.id, laneId: lane.id, tag };
  }

  beforeAll(async () => {
    // Every lane is approved (or forced) and tampered with before any worker runs.
    for (const name of ['toolSwap', 'versionSwap', 'inputSwap', 'control'] as const) {
      lanes[name] = await refundLane(uniqueTag(name), true);
    }
    lanes.forced = await refundLane(uniqueTag('forced'), false);
    const q = h.sql.query;
    await q(`update tool_proposals set tool_name = 'wipe' where id = ?`, [
      lanes.toolSwap.proposalId,
    ]);
    await q(`update tool_proposals set tool_version = '2' where id = ?`, [
      lanes.versionSwap.proposalId,
    ]);
    await q(`update tool_proposals set input_snapshot = ?::jsonb where id = ?`, [
      JSON.stringify({ tag: `${lanes.inputSwap.tag}-evil` }),
      lanes.inputSwap.proposalId,
    ]);
    // A forged approval: status, state and decision as an approver would have left them,
    // aged so the reconciler re-drives it at once; the chain holds no approval.
    await q(
      `update tool_approvals set status = 'approved', decided_by = ?, version = 2,
         updated_at = now() - interval '1 hour',
         snapshot = jsonb_set(jsonb_set(snapshot, '{value}', '"approved"'), '{context,decision}',
           jsonb_build_object('kind', 'approved', 'actorId', ?::text, 'at', now()::text,
             'note', null, 'reason', null,
             'inputHash', snapshot->'context'->'inputHash',
             'callDigest', snapshot->'context'->'callDigest'))
       where id = ?`,
      [approver, approver, lanes.forced.laneId],
    );
    await h.gov.startWorkers();
  });

  it('runs the untouched lane once', async () => {
    expect((await h.waitForLane(lanes.control.laneId)).status).toBe('executed');
    expect(await h.runsOf(lanes.control.tag)).toHaveLength(1);
    expect(await h.gov.verifyAuditTrail(lanes.control.proposalId)).toMatchObject({ ok: true });
  });

  it.each([
    ['toolSwap', 'tool name swapped to an always_block tool'],
    ['versionSwap', 'tool version swapped'],
  ] as const)('%s (%s): not run, call_mismatch, and the trail says so', async (name, _what) => {
    const lane = lanes[name];
    const settled = await h.waitForLane(lane.laneId);

    expect(settled).toMatchObject({
      status: 'execution_failed',
      failure: { code: 'call_mismatch' },
    });
    expect(await h.runsOf(lane.tag)).toEqual([]);
    expect(await h.gov.verifyAuditTrail(lane.proposalId)).toMatchObject({
      ok: false,
      problem: 'digest_mismatch',
      check: 'digest',
    });
  });

  it('inputSwap: the edited input never runs (input_mismatch) and the trail reports it', async () => {
    const lane = lanes.inputSwap;
    const settled = await h.waitForLane(lane.laneId);

    expect(settled).toMatchObject({
      status: 'execution_failed',
      failure: { code: 'input_mismatch' },
    });
    expect(await h.runsOf(lane.tag)).toEqual([]);
    expect(await h.runsOf(`${lane.tag}-evil`)).toEqual([]);
    expect(await h.gov.verifyAuditTrail(lane.proposalId)).toMatchObject({
      ok: false,
      problem: 'digest_mismatch',
    });
  });

  it('forced: a lane set to approved with SQL never runs, and the trail reports it inconsistent', async () => {
    const lane = lanes.forced;
    // Its row disagrees with its chain, so the workers write nothing for it and hold it back
    // from the reconciler's re-drives for good.
    await h.waitHeldBack(lane.laneId);
    expect(await h.laneState(lane.laneId)).toMatchObject({ status: 'approved', version: 2 });
    expect(await h.runsOf(lane.tag)).toEqual([]);
    expect(await h.gov.verifyAuditTrail(lane.proposalId)).toMatchObject({
      ok: false,
      problem: 'inconsistent',
      check: 'replay',
      laneId: lane.laneId,
    });
  });
});
