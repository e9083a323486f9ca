import { z } from 'zod';
import { findEvents } from '../../persistence/event.repository.js';
import {
  findProposal,
  findProposalsForConversation,
} from '../../persistence/proposal.repository.js';
import { findLanesOfProposal, findLatestLane } from '../../persistence/lane.repository.js';
import { toApproval } from '../lanes/laneView.js';
import { coverageOf } from '../audit/checkpoint.js';
import { verifyTrail } from '../audit/verifyTrail.js';
import type { AuditVerification } from '../audit/verifyTrail.js';
import { InvalidRequestError } from '../errors/invalidRequestError.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { toAuditEvent, toProposal } from './proposalView.js';
import type { AuditEvent, Proposal, ProposalWithEvents } from './proposalView.js';

/** A proposal with its latest lane's edit, if an approver edited the input there. */
export function getProposal(rt: GovernanceRuntime, id: string): Promise<Proposal | null> {
  return rt.withEm('getProposal', async (em) => {
    const row = await findProposal(em, id);
    if (!row) return null;
    const lane = row.approvalMode === 'requires_approval' ? await findLatestLane(em, id) : null;
    const edit = lane ? toApproval(lane).edit : null;
    return edit ? { ...toProposal(row), edit } : toProposal(row);
  });
}

export function listEvents(rt: GovernanceRuntime, proposalId: string): Promise<AuditEvent[]> {
  return rt.withEm('listEvents', async (em) =>
    (await findEvents(em, [proposalId])).map(toAuditEvent),
  );
}

/** A page of a conversation's proposals: at most `limit`, after the proposal `after`. */
export interface ConversationPage {
  /** @default 100 (at most 1000) */
  limit?: number | undefined;
  /** The id of the last proposal of the previous page. */
  after?: string | undefined;
}

const pageSchema = z.strictObject({
  limit: z.number().int().min(1).max(1_000).default(100),
  after: z.string().max(64).optional(),
});

export function listProposalsForConversation(
  rt: GovernanceRuntime,
  conversationId: string | null | undefined,
  page: ConversationPage = {},
): Promise<ProposalWithEvents[]> {
  const parsed = pageSchema.safeParse(page);
  if (!parsed.success) {
    const message = `invalid page: ${z.prettifyError(parsed.error)}`;
    return Promise.reject(new InvalidRequestError(message, parsed.error.issues));
  }
  const { limit, after = null } = parsed.data;
  return rt.withEm('listProposalsForConversation', async (em) => {
    if (typeof conversationId !== 'string' || conversationId === '') return [];
    const proposals = await findProposalsForConversation(em, conversationId, { limit, after });
    const events = await findEvents(
      em,
      proposals.map((p) => p.id),
    );
    const byProposal = new Map<string, typeof events>();
    for (const e of events)
      byProposal.set(e.proposalId, [...(byProposal.get(e.proposalId) ?? []), e]);
    return proposals.map((p) => ({
      ...toProposal(p),
      events: (byProposal.get(p.id) ?? []).map(toAuditEvent),
    }));
  });
}

/** Options of `verifyAuditTrail`. */
export interface VerifyTrailOptions {
  /** A checkpoint taken earlier, kept outside the database: the chain must still hold its head. */
  checkpoint?: unknown;
}

/**
 * Verifies a proposal's trail for links and meaning (see `verifyTrail`), and against a
 * checkpoint when one is given. Never throws on a stored value.
 */
export async function verifyAuditTrail(
  rt: GovernanceRuntime,
  proposalId: string,
  options: VerifyTrailOptions = {},
): Promise<AuditVerification> {
  let coverage = null;
  let anchor = null;
  if (options.checkpoint !== undefined) {
    const found = await coverageOf(rt, options.checkpoint, proposalId);
    if (!found.ok) {
      const { problem, detail } = found;
      const reported = problem === 'rolled_back' ? 'checkpoint_invalid' : problem;
      return {
        ok: false,
        problem: reported,
        check: 'checkpoint',
        seq: 0,
        eventId: null,
        laneId: null,
        detail,
        anchored: rt.audit.anchored,
      };
    }
    ({ coverage, anchor } = found);
  }
  const facts = await rt.withEm('verifyAuditTrail', async (em) => {
    const proposal = await findProposal(em, proposalId);
    if (!proposal) return null;
    const [events, lanes] = [
      await findEvents(em, [proposalId]),
      await findLanesOfProposal(em, proposalId),
    ];
    return { proposal, events, lanes };
  });
  if (!facts) {
    return {
      ok: false,
      problem: 'not_found',
      check: 'chain',
      seq: 0,
      eventId: null,
      laneId: null,
      detail: 'no such proposal',
      anchored: rt.audit.anchored,
    };
  }
  const result = verifyTrail({ ...facts, keys: rt.audit, anchor });
  return result.ok ? { ...result, checkpoint: coverage } : result;
}
