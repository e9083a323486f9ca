import { describe, expect, it } from 'vitest';
import { useLaneHarness } from './support/laneHarness.js';
import { resolveActor } from './support/laneTools.js';

// A directory that throws must not crash a decision, nor let it through.
describe('resolveActor that fails', () => {
  const h = useLaneHarness({
    resolveActor: (id) => {
      if (id === 'broken') throw new Error('directory down');
      return resolveActor(id);
    },
  });

  it('refuses the decision as forbidden and writes nothing', async () => {
    const { laneId } = await h.openRefundLane();

    const result = await h.gov.approve(laneId, 'broken');
    expect(result).toEqual({ ok: false, error: 'forbidden', reason: 'actor_unresolved' });

    const [row] = await h.sql.query<{ status: string; version: number }>(
      'select status, version from tool_approvals where id = ?',
      [laneId],
    );
    expect(row).toEqual({ status: 'pending', version: 1 });
    expect((await h.gov.approve(laneId, 'bob')).ok).toBe(true);
  });
});
