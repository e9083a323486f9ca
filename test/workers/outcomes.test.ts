import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../../src/index.js';
import { needsApproval, recordingTool } from './support/sideEffectTools.js';
import type { Sql } from './support/sideEffectTools.js';
import { uniqueTag, useWorkerSuite } from './support/workerHarness.js';

// A tool ran, so its outcome is recorded, whatever it returned or threw: the lane never stays
// `running`, and what cannot be stored is named, not lost.
function tools(sql: Sql): ToolDefinition[] {
  const tool = (name: string, finish: (tag: string) => unknown) =>
    recordingTool(sql, { ...needsApproval, name }, finish);
  return [
    tool('nul_error', (tag) => {
      throw new Error(`bad\u0000byte for ${tag}`);
    }),
    tool('lone_surrogate_error', () => {
      throw new Error('half a pair: \ud800');
    }),
    // eslint-disable-next-line no-sparse-arrays
    tool('sparse_result', () => [, 1]),
    tool('cyclic_result', () => {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      return cycle;
    }),
    tool('map_result', () => new Map([['a', 1]])),
    tool('nul_result', () => ({ text: 'a\u0000b' })),
    tool('huge_result', () => 'x'.repeat(1_100_000)),
    tool('date_result', () => ({ at: new Date('2030-01-01T00:00:00.000Z') })),
    tool('void_result', () => undefined),
  ];
}

describe('outcomes are always recorded', () => {
  const h = useWorkerSuite({ tools });
  const published: Record<string, unknown>[] = [];
  const listen = (message: unknown) => void published.push(message as Record<string, unknown>);
  subscribe('countersign:execution_finished', listen);
  afterAll(() => void unsubscribe('countersign:execution_finished', listen));

  it.each([
    ['nul_error', 'tool_error'],
    ['lone_surrogate_error', 'tool_error'],
    ['sparse_result', 'result_unstorable'],
    ['cyclic_result', 'result_unstorable'],
    ['map_result', 'result_unstorable'],
    ['nul_result', 'result_unstorable'],
    ['huge_result', 'result_unstorable'],
  ])('%s: ran once, ends execution_failed with %s, the trail intact', async (tool, code) => {
    const tag = uniqueTag(tool);
    const { proposalId, laneId } = await h.approvedLane(tool, tag);

    const lane = await h.waitForLane(laneId);

    expect(lane).toMatchObject({ status: 'execution_failed', failure: { code } });
    expect(await h.runsOf(tag)).toHaveLength(1);
    expect(await h.gov.verifyAuditTrail(proposalId)).toMatchObject({ ok: true });
  });

  it('what the tool threw goes to telemetry, not into the trail', async () => {
    const tag = uniqueTag('nul_error');
    const { laneId } = await h.approvedLane('nul_error', tag);
    const lane = await h.waitForLane(laneId);

    expect(lane.failure).toEqual({ code: 'tool_error', message: 'the tool threw (Error)' });
    const seen = published.find((m) => m.laneId === laneId);
    expect(String((seen?.error as Error | undefined)?.message)).toContain(tag);
  });

  it('a Date in a result is stored as its JSON text', async () => {
    const tag = uniqueTag('date_result');
    const { laneId } = await h.approvedLane('date_result', tag);

    expect(await h.waitForLane(laneId)).toMatchObject({
      status: 'executed',
      result: { at: '2030-01-01T00:00:00.000Z' },
    });
  });

  it('a tool that returns nothing is executed, its result null', async () => {
    const tag = uniqueTag('void_result');
    const { laneId } = await h.approvedLane('void_result', tag);

    expect(await h.waitForLane(laneId)).toMatchObject({ status: 'executed', result: null });
  });
});
