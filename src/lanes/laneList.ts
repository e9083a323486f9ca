import { z } from 'zod';
import { findLanePage } from '../../persistence/laneList.repository.js';
import type { LaneCursor } from '../../persistence/laneList.repository.js';
import type { LaneWithProposal } from '../../persistence/lane.repository.js';
import { dueLaneStatuses, terminalLaneStatuses } from '../../machines/laneTypes.js';
import type { LaneStatus } from '../../machines/laneTypes.js';
import { InvalidRequestError, parseRequest } from '../errors/invalidRequestError.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { caseIdSchema, idSchema } from '../pipeline/idSchema.js';
import { toApproval } from './laneView.js';
import type { Approval } from './laneView.js';

const laneStatuses = [...dueLaneStatuses, ...terminalLaneStatuses] as [LaneStatus, ...LaneStatus[]];
const seconds = z.coerce.number().int().min(0).max(315_360_000);

/**
 * Which lanes to list (the inbox: the defaults). Numbers may come as text, as they do in a
 * query string; one status or a list.
 */
export const approvalQuerySchema = z.strictObject({
  status: z
    .union([z.enum(laneStatuses), z.array(z.enum(laneStatuses)).min(1).max(laneStatuses.length)], {
      error: `a lane status is one of ${laneStatuses.join(', ')}`,
    })
    .default('pending')
    .transform((s) => (Array.isArray(s) ? s : [s])),
  tool: z.string().min(1).max(128).optional(),
  riskTier: z.enum(['low', 'medium', 'high', 'critical']).optional(),
  conversationId: idSchema.optional(),
  caseId: caseIdSchema.optional(),
  /** Only lanes opened at least / at most this many seconds ago. */
  olderThanSeconds: seconds.optional(),
  newerThanSeconds: seconds.optional(),
  /** `urgent`: soonest deadline first; `newest`: latest opened first. */
  order: z.enum(['urgent', 'newest']).default('urgent'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(1_024).optional(),
});

export type ApprovalQuery = z.input<typeof approvalQuerySchema>;

/** A listed lane with the call it is about. */
export interface ApprovalSummary {
  approval: Approval;
  proposal: {
    id: string;
    toolName: string;
    toolVersion: string;
    riskTier: string;
    /** Who proposed the call: never its approver. */
    actorId: string;
    conversationId: string | null;
    caseId: string | null;
    casePath: string | null;
    input: unknown;
  };
}

/** A page of lanes; pass `nextCursor` as `cursor` for the next one (null: this was the last). */
export interface ApprovalPage {
  items: ApprovalSummary[];
  nextCursor: string | null;
}

/** A lane with the call it is about, as listings and the HTTP API show it. */
export function toApprovalSummary(r: LaneWithProposal): ApprovalSummary {
  return {
    approval: toApproval(r.lane),
    proposal: {
      id: r.lane.proposalId,
      toolName: r.toolName,
      toolVersion: r.toolVersion,
      riskTier: r.riskTier,
      actorId: r.proposerId,
      conversationId: r.conversationId,
      caseId: r.caseId,
      casePath: r.casePath,
      input: r.inputSnapshot,
    },
  };
}

const cursorSchema = z.tuple([z.string().max(64), z.uuid()]);

function decodeCursor(text: string): LaneCursor {
  try {
    const [key, id] = cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString()));
    if (key !== 'infinity' && Number.isNaN(Date.parse(key))) throw new Error('bad key');
    return { key, id };
  } catch {
    throw new InvalidRequestError('invalid lane query: cursor is not one this server issued', [
      { code: 'custom', path: ['cursor'], message: 'unknown cursor', input: text },
    ]);
  }
}

const encodeCursor = (c: LaneCursor) =>
  Buffer.from(JSON.stringify([c.key, c.id])).toString('base64url');

/** Lanes matching `query`, one page; a malformed query is an {@link InvalidRequestError}. */
export async function listApprovals(rt: GovernanceRuntime, query: unknown): Promise<ApprovalPage> {
  const q = parseRequest(approvalQuerySchema, query ?? {}, 'lane query');
  const ago = (s: number | undefined) =>
    s === undefined ? null : new Date(rt.now().getTime() - s * 1000).toISOString();
  const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
  const rows = await rt.withEm('listApprovals', (em) =>
    findLanePage(
      em,
      {
        statuses: q.status,
        toolName: q.tool ?? null,
        riskTier: q.riskTier ?? null,
        conversationId: q.conversationId ?? null,
        caseId: q.caseId ?? null,
        createdBefore: ago(q.olderThanSeconds),
        createdAfter: ago(q.newerThanSeconds),
      },
      q.order,
      cursor,
      q.limit + 1,
    ),
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map(toApprovalSummary),
    nextCursor:
      rows.length > q.limit && last ? encodeCursor({ key: last.sortKey, id: last.lane.id }) : null,
  };
}
