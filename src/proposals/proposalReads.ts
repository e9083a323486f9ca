import { findEvents } from '../../persistence/event.repository.js';
import {
  findProposal,
  findProposalsForConversation,
} from '../../persistence/proposal.repository.js';
import { verifyChain } from '../audit/auditChain.js';
import type { AuditVerification } from '../audit/auditChain.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { toAuditEvent, toProposal } from './proposalView.js';
import type { AuditEvent, Proposal, ProposalWithEvents } from './proposalView.js';

export function getProposal(rt: GovernanceRuntime, id: string): Promise<Proposal | null> {
  return rt.withEm('getProposal', async (em) => {
    const row = await findProposal(em, id);
    return row ? toProposal(row) : null;
  });
}

export function listEvents(rt: GovernanceRuntime, proposalId: string): Promise<AuditEvent[]> {
  return rt.withEm('listEvents', async (em) =>
    (await findEvents(em, [proposalId])).map(toAuditEvent),
  );
}

export function listProposalsForConversation(
  rt: GovernanceRuntime,
  conversationId: string | null | undefined,
): Promise<ProposalWithEvents[]> {
  return rt.withEm('listProposalsForConversation', async (em) => {
    if (typeof conversationId !== 'string' || conversationId === '') return [];
    const proposals = await findProposalsForConversation(em, conversationId);
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

/** Verifies a proposal's hash chain against its rows and its recorded head. */
export function verifyAuditTrail(
  rt: GovernanceRuntime,
  proposalId: string,
): Promise<AuditVerification> {
  return rt.withEm('verifyAuditTrail', async (em) => {
    const proposal = await findProposal(em, proposalId);
    if (!proposal) return { ok: false, problem: 'not_found', seq: 0, eventId: null };
    const events = await findEvents(em, [proposalId]);
    return verifyChain(events, { seq: proposal.auditSeq, hash: proposal.auditHead });
  });
}
