import type { LaneFailure } from '../../machines/laneTypes.js';
import { storableCopy } from '../pipeline/storableJson.js';
import type { RunContext, ToolDefinition } from '../tools/defineTool.js';

/** How a tool's run ended; a throw keeps what was thrown for telemetry. */
export type RunOutcome =
  { ok: true; result: unknown } | { ok: false; failure: LaneFailure; error?: unknown };

/**
 * Calls `run` with an AbortSignal that fires at the deadline: the tool's timeout, or a
 * shorter `timeoutMs` (a case's time budget or deadline). The deadline wins even when `run`
 * ignores the signal: its late result is discarded and the run counts as timed out.
 */
export async function runWithDeadline(
  tool: ToolDefinition,
  input: unknown,
  ctx: Omit<RunContext, 'signal'>,
  timeoutMs: number = tool.timeoutMs,
): Promise<RunOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<RunOutcome>((resolve) => {
    timer = setTimeout(() => {
      const message = `run did not finish within ${timeoutMs} ms`;
      controller.abort(new Error(message));
      resolve({ ok: false, failure: { code: 'timeout', message } });
    }, timeoutMs);
  });
  const run = (async (): Promise<RunOutcome> => {
    try {
      return { ok: true, result: await tool.run(input, { ...ctx, signal: controller.signal }) };
    } catch (error) {
      // The tool's own words stay out of the trail (they may hold anything); the executing
      // worker publishes them on the execution_finished channel.
      const kind = error instanceof Error ? error.name : typeof error;
      return {
        ok: false,
        failure: { code: 'tool_error', message: `the tool threw (${storableCopy(kind)})` },
        error,
      };
    }
  })();
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
