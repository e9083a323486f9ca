import { describe, expect, it } from 'vitest';
import { isLaneSnapshotError } from '../../src/index.js';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

// A stored snapshot of another machine, or of a version with no migration, is never run.
describe('lane snapshot safety', () => {
  const h = useLaneHarness();

  async function refusedWith(
    laneId: string,
    code: string | string[],
    decide: () => Promise<unknown>,
  ) {
    const before = await h.fingerprint();
    const jobsBefore = h.jobs.length;
    const error: unknown = await decide().then(
      (result) => ({ resolved: result }),
      (e: unknown) => e,
    );
    expect(isLaneSnapshotError(error), JSON.stringify(error)).toBe(true);
    if (!isLaneSnapshotError(error)) return;
    expect([code].flat()).toContain(error.code);
    expect(error.laneId).toBe(laneId);
    expect(error.message).toContain(laneId);
    expect(await h.fingerprint()).toBe(before);
    expect(h.jobs).toHaveLength(jobsBefore);
  }

  it("refuses a snapshot whose machine_id is another machine's (foreign_machine)", async () => {
    const { laneId } = await h.openRefundLane();
    await h.sql.query(`update tool_approvals set machine_id = 'someone.else' where id = ?`, [
      laneId,
    ]);

    await refusedWith(laneId, 'foreign_machine', () => h.gov.approve(laneId, 'bob'));
    await refusedWith(laneId, 'foreign_machine', () => h.gov.expire(laneId, { actorId: 'admin' }));
    await refusedWith(laneId, 'foreign_machine', () =>
      h.gov.send(laneId, { type: 'REJECT', actorId: 'bob', reason: 'x' }),
    );

    // Restored to its own machine id, the same lane decides normally.
    await h.sql.query(
      `update tool_approvals set machine_id = 'countersign.approvalLane' where id = ?`,
      [laneId],
    );
    expect(expectOk(await h.gov.approve(laneId, 'bob')).status).toBe('approved');
  });

  it.each([99, 0, 5])(
    'refuses machine_version %i, which has no registered migration (unsupported_version)',
    async (version) => {
      const { laneId } = await h.openRefundLane();
      await h.sql.query(`update tool_approvals set machine_version = ? where id = ?`, [
        version,
        laneId,
      ]);
      await refusedWith(laneId, 'unsupported_version', () => h.gov.approve(laneId, 'bob'));
      await refusedWith(laneId, 'unsupported_version', () =>
        h.gov.reject(laneId, 'bob', { reason: 'x' }),
      );
    },
  );

  it('refuses an approved lane with a foreign snapshot at executeApproved', async () => {
    const { laneId } = await h.openRefundLane();
    expectOk(await h.gov.approve(laneId, 'bob'));
    await h.sql.query(`update tool_approvals set machine_id = 'someone.else' where id = ?`, [
      laneId,
    ]);
    await refusedWith(laneId, 'foreign_machine', () => h.gov.executeApproved(laneId));
  });

  // Whether the shape check or the machine itself catches a corrupt snapshot is the runtime's
  // business; either way the decision is refused with a LaneSnapshotError before any write.
  const corrupt = ['malformed', 'machine_error'];
  it.each([
    ['a snapshot that is not an object', `'"pending"'::jsonb`],
    ['a state the machine does not have', `jsonb_set(snapshot, '{value}', '"nowhere"')`],
    ['a snapshot without its context', `snapshot - 'context'`],
  ])('refuses %s clearly, writing nothing', async (_label, tampered) => {
    const { laneId } = await h.openRefundLane();
    await h.sql.query(`update tool_approvals set snapshot = ${tampered} where id = ?`, [laneId]);
    await refusedWith(laneId, corrupt, () => h.gov.approve(laneId, 'bob'));
  });
});
