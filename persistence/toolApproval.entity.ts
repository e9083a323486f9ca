import { defineEntity, p } from '@mikro-orm/core';
import { dueLaneStatuses } from '../machines/laneTypes.js';
import { literalList } from './statement.js';

/**
 * One approval lane: the XState snapshot plus the columns mirrored out of it for queries
 * (status, deadline, decision, execution claim). `version` is the optimistic-lock counter.
 * A partial unique index (in the migration) allows one `pending` lane per proposal. The
 * properties are the table's one list of columns: `persistence/rowColumns.ts` derives row
 * mapping and statements from them, in this order.
 */
export const ToolApproval = defineEntity({
  name: 'ToolApproval',
  tableName: 'tool_approvals',
  properties: {
    id: p.uuid().primary(),
    proposalId: p.uuid(),
    status: p.string().length(32),
    executionState: p.string().length(16).nullable(),
    snapshot: p.json<Record<string, unknown>>(),
    machineId: p.string().length(128),
    machineVersion: p.integer(),
    version: p.integer(),
    expiresAt: p.datetime().nullable(),
    decidedBy: p.string().length(256).nullable(),
    decisionReason: p.text().nullable(),
    decisionNote: p.text().nullable(),
    inputHash: p.string().length(64),
    attempt: p.integer(),
    leaseUntil: p.datetime().nullable(),
    retryAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
  indexes: [
    { properties: ['proposalId', 'updatedAt'] },
    {
      name: 'tool_approvals_one_pending_per_proposal',
      expression: `create unique index "tool_approvals_one_pending_per_proposal" on "tool_approvals" ("proposal_id") where "status" = 'pending'`,
    },
    {
      name: 'tool_approvals_escalated_index',
      expression: `create index "tool_approvals_escalated_index" on "tool_approvals" ("proposal_id") where "status" = 'escalated'`,
    },
    {
      name: 'tool_approvals_due_index',
      expression: `create index "tool_approvals_due_index" on "tool_approvals" ("status", "expires_at") where "status" in (${literalList(dueLaneStatuses)})`,
    },
  ],
});
