import { defineEntity, p } from '@mikro-orm/core';

/**
 * One request to call a tool, with the three snapshots it was judged on. `auditSeq` and
 * `auditHead` are the head of the proposal's event hash chain, so a removed tail is visible.
 */
export const ToolProposal = defineEntity({
  name: 'ToolProposal',
  tableName: 'tool_proposals',
  properties: {
    id: p.uuid().primary(),
    toolName: p.string().length(128),
    toolVersion: p.string().length(64),
    actorId: p.string().length(256),
    conversationId: p.string().length(256).nullable(),
    caseId: p.string().length(256).nullable(),
    status: p.string().length(16),
    blockedOutcome: p.string().length(32).nullable(),
    blockedReason: p.text().nullable(),
    blockedIssues: p.json<unknown[]>().nullable(),
    riskTier: p.string().length(16),
    approvalMode: p.string().length(32),
    idempotencyKey: p.string().length(64).nullable().unique(),
    toolSnapshot: p.json<Record<string, unknown>>(),
    inputSnapshot: p.json<unknown>().nullable(),
    actorSnapshot: p.json<Record<string, unknown>>(),
    auditSeq: p.integer(),
    auditHead: p.string().length(64),
    createdAt: p.datetime(),
  },
  indexes: [
    { properties: ['conversationId', 'createdAt'] },
    {
      name: 'tool_proposals_case_id_index',
      expression: `create index "tool_proposals_case_id_index" on "tool_proposals" ("case_id") where "case_id" is not null`,
    },
  ],
});
