import { describe, expect, it } from 'vitest';
import { APPROVAL_LANE_MACHINE_VERSION } from '../../machines/approvalLane.machine.js';
import { rewriteAsLegacy } from '../support/legacyTrail.js';
import { approver } from './support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite } from './support/workerHarness.js';

// The lane machine is at version 4. A lane its first version persisted (and a trail its
// first hash rule wrote) must still be decided and run, through the registered upgrades.
const h = useWorkerSuite();

describe('a lane persisted by machine version 1', () => {
  it('is read, approved and executed after the upgrade, its trail still verifying', async () => {
    const tag = uniqueTag('legacy');
    const { proposalId, laneId } = await h.openLane('ship', tag);
    await rewriteAsLegacy(h.sql, proposalId, laneId);
    expect(await h.laneState(laneId)).toMatchObject({ status: 'pending', version: 1 });
    const [stored] = await h.sql.query<{ machine_version: number }>(
      'select machine_version from tool_approvals where id = ?',
      [laneId],
    );
    expect(stored?.machine_version).toBe(1);

    const approved = await h.gov.approve(laneId, approver);
    expect(approved).toMatchObject({
      ok: true,
      approval: { status: 'approved', machineVersion: APPROVAL_LANE_MACHINE_VERSION },
    });
    const lane = await h.waitForLane(laneId, ['executed']);

    expect(lane.result).toEqual({ shipped: tag, attempt: 1 });
    expect(await h.runsOf(tag)).toHaveLength(1);
    const trail = await h.gov.verifyAuditTrail(proposalId);
    expect(trail, JSON.stringify(trail)).toMatchObject({
      ok: true,
      legacy: { events: 2, lanes: 1 },
    });
  });
});
