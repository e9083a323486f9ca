import { z } from 'zod';
import { findLanesOfProposal } from '../../persistence/lane.repository.js';
import type { GovernanceReceipt } from '../../machines/caseTypes.js';
import type { LaneStatus } from '../../machines/laneTypes.js';
import { listReceipts } from '../cases/cases.js';
import { parseRequest } from '../errors/invalidRequestError.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { getProposal } from '../proposals/proposalReads.js';
import type { Proposal } from '../proposals/proposalView.js';
import { getLatestApproval } from './laneReads.js';
import { toApproval } from './laneView.js';
import type { Approval } from './laneView.js';
import type { OutcomeHub } from './outcomeHub.js';

/** Options of `awaitOutcome`. */
export interface AwaitOutcomeOptions {
  /** Stops waiting (the result says `aborted`). */
  signal?: AbortSignal | undefined;
  /** Stops waiting after this long (the result says `timeout`). @default no limit */
  timeoutMs?: number | undefined;
}

/**
 * What a proposal's call came to. Settled: `blocked` at proposal, or its lane ended —
 * `executed` (the result is on `approval.result`), `execution_failed` (`approval.failure`),
 * `rejected` or `deferred` (`approval.reason`, `note`), `expired` — with the receipts its
 * case recorded for it, on any of its lanes (an escalated one's too). Not settled: the wait
 * was stopped (`timeout`, `aborted`), with the call as it stands; `not_found` (an id that is
 * not a UUID included); `closed`, the governance closed before the call settled.
 */
export type Outcome =
  | {
      settled: true;
      status:
        | Extract<LaneStatus, 'executed' | 'execution_failed' | 'rejected' | 'deferred' | 'expired'>
        | 'blocked';
      proposal: Proposal;
      approval: Approval | null;
      receipts: GovernanceReceipt[];
    }
  | { settled: false; reason: 'timeout' | 'aborted'; proposal: Proposal; approval: Approval | null }
  | { settled: false; reason: 'not_found' | 'closed' };

const optionsSchema = z.object({
  signal: z.instanceof(AbortSignal).optional(),
  timeoutMs: z.number().int().positive().max(86_400_000).optional(),
});

/** The case's receipts for a proposal: each names the proposal, or one of its lanes. */
async function receiptsOf(
  rt: GovernanceRuntime,
  caseId: string,
  proposalId: string,
): Promise<GovernanceReceipt[]> {
  const [all, lanes] = await Promise.all([
    listReceipts(rt, caseId),
    rt.withEm('awaitOutcome', (em) => findLanesOfProposal(em, proposalId)),
  ]);
  const tasks = new Set([proposalId, ...lanes.map((l) => l.id)]);
  return all.filter((r) => r.taskId !== null && tasks.has(r.taskId));
}

/**
 * Waits for the proposal's call to settle (see {@link Outcome}); reads nothing while it waits.
 * Rejects with a `DatabaseError` only when the read of this proposal itself failed.
 */
export async function awaitOutcome(
  rt: GovernanceRuntime,
  hub: OutcomeHub,
  proposalId: string,
  options: AwaitOutcomeOptions = {},
): Promise<Outcome> {
  const { signal, timeoutMs } = parseRequest(optionsSchema, options, 'awaitOutcome options');
  const waiting = hub.wait(proposalId);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<'timeout' | 'aborted'>((resolve) => {
    if (timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), timeoutMs);
    onAbort = () => resolve('aborted');
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([waiting.settled, stopped]);
    if (first === null) return { settled: false, reason: 'not_found' };
    if (first === 'closed') return { settled: false, reason: 'closed' };
    if (typeof first === 'string') {
      const [proposal, approval] = await Promise.all([
        getProposal(rt, proposalId),
        getLatestApproval(rt, proposalId),
      ]);
      return proposal
        ? { settled: false, reason: first, proposal, approval }
        : { settled: false, reason: 'not_found' };
    }
    const proposal = await getProposal(rt, proposalId);
    if (!proposal) return { settled: false, reason: 'not_found' };
    const approval = first.lane ? toApproval(first.lane) : null;
    const receipts = proposal.caseId ? await receiptsOf(rt, proposal.caseId, proposalId) : [];
    const status = first.proposalStatus === 'blocked' ? 'blocked' : (approval!.status as never);
    return { settled: true, status, proposal, approval, receipts };
  } finally {
    waiting.stop();
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
