import { defineEntity, p } from '@mikro-orm/core';

/**
 * One case: the case machine's snapshot (its budget ledger included) plus the columns
 * mirrored out of it for queries. The case's own audit chain ends at `auditSeq` /
 * `auditHead`; `version` is the optimistic-lock counter every write checks.
 */
export const GovernanceCase = defineEntity({
  name: 'GovernanceCase',
  tableName: 'governance_cases',
  properties: {
    id: p.string().length(200).primary(),
    status: p.string().length(16),
    snapshot: p.json<Record<string, unknown>>(),
    machineId: p.string().length(128),
    machineVersion: p.integer(),
    version: p.integer(),
    policyName: p.string().length(128),
    policyVersion: p.integer(),
    policyHash: p.string().length(64),
    conversationId: p.string().length(256).nullable(),
    createdBy: p.string().length(256),
    deadline: p.datetime().nullable(),
    auditSeq: p.integer(),
    auditHead: p.string().length(64),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
  indexes: [
    {
      name: 'governance_cases_open_deadline_index',
      expression: `create index "governance_cases_open_deadline_index" on "governance_cases" ("deadline") where "status" = 'open'`,
    },
    {
      name: 'governance_cases_created_index',
      expression: `create index "governance_cases_created_index" on "governance_cases" ("created_at" desc, "id" desc)`,
    },
  ],
});
