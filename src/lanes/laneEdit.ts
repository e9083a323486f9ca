import { currentInputHash } from '../../machines/approvalLaneGuards.js';
import type { LaneContext, LaneEdit } from '../../machines/laneTypes.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import { inputHash } from '../canonicalJson.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { identifyCaller } from '../pipeline/proposalRequest.js';
import type { ProposalRequest } from '../pipeline/proposalRequest.js';
import { runPipeline } from '../pipeline/validate.js';
import { readCase } from '../pipeline/validateCall.js';
import { changesOutside, diffInputs } from './inputDiff.js';
import { laneCallDigest } from './laneCall.js';
import type { LaneResult } from './laneResult.js';

/** An edit ready for the machine (null: the input is the one already up), or its refusal. */
export type PreparedEdit =
  { ok: true; edit: LaneEdit | null } | { ok: false; result: Extract<LaneResult, { ok: false }> };

const refused = (reason: string, detail: string, issues?: unknown[]): PreparedEdit => ({
  ok: false,
  result: {
    ok: false,
    error: 'edit_refused',
    reason,
    detail,
    ...(issues ? { issues: issues as never } : {}),
  },
});

/**
 * Judges an approver's edited input as the proposal was judged: the tool must allow edits
 * (of these fields), and the input passes gates 1–5 again — schema, the proposer's scopes as
 * the directory holds them now (narrowed to those the call held), the tool's policy, the
 * case's allowlist and budget as they are now. Reads only; writes nothing.
 */
export async function prepareEdit(
  rt: GovernanceRuntime,
  found: LaneWithProposal,
  input: unknown,
): Promise<PreparedEdit> {
  const tool = rt.registry.byVersion(found.toolName, found.toolVersion);
  if (!tool)
    return refused('unsupported', `${found.toolName}@${found.toolVersion} is not registered here`);
  if (tool.editableOnApproval === false)
    return refused('not_editable', `${tool.name} does not allow approving an edited input`);
  const context = found.lane.snapshot.context as unknown as LaneContext;
  // An edit's call digest is computed with the tool as registered now: only where that tool
  // still makes the proposed call exactly (a lane without a digest cannot tell).
  if (
    !context.callDigest ||
    laneCallDigest(tool, found, found.inputSnapshot) !== context.callDigest
  )
    return refused('unsupported', `${tool.name} is not the tool the call was proposed to`);
  const proposal = await rt.laneStore.readProposal(found.lane.proposalId);
  if (!proposal) return refused('unsupported', 'the proposal is gone');
  const scopes = (proposal.actorSnapshot.scopes as string[] | undefined) ?? [];
  const request: ProposalRequest = {
    toolRef: { name: tool.name, version: tool.version },
    actorId: found.proposerId,
    context: {
      input,
      scopes,
      conversationId: found.conversationId,
      caseId: found.caseId,
      casePath: found.casePath ?? '/',
    },
    declaredScopes: scopes,
  };
  // The proposer as the governance's directory knows them, whoever is acting.
  const governance = { ...rt, lanes: { ...rt.lanes, resolveActor: rt.lanes.directory } };
  const caller = await identifyCaller(governance, request);
  const kase = found.caseId === null ? null : await readCase(rt, found.caseId);
  const judged = await runPipeline(rt.registry, caller, rt.limits, kase);
  if (!judged.ok) return refused(judged.outcome, judged.reason, judged.issues);

  const edited = judged.attrs.inputSnapshot;
  const hash = inputHash(edited);
  if (hash === currentInputHash(context)) return { ok: true, edit: null };
  const diff = diffInputs(found.inputSnapshot, edited);
  if (Array.isArray(tool.editableOnApproval)) {
    const outside = changesOutside(diff, tool.editableOnApproval);
    if (outside.length > 0) {
      const paths = outside.map((c) => c.path || '(the whole input)').join(', ');
      return refused('field_not_editable', `${tool.name} does not allow editing ${paths}`);
    }
  }
  return {
    ok: true,
    edit: {
      input: edited,
      inputHash: hash,
      callDigest: laneCallDigest(tool, found, edited),
      cost: judged.attrs.toolSnapshot.cost,
      originalInputHash: inputHash(found.inputSnapshot),
      diff,
    },
  };
}
