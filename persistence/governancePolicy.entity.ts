import { defineEntity, p } from '@mikro-orm/core';

/**
 * One version of a named policy. Rows are never updated: a change writes the next version,
 * with who made it, and a case keeps the version (and its hash) it was created under.
 */
export const GovernancePolicy = defineEntity({
  name: 'GovernancePolicy',
  tableName: 'governance_policies',
  properties: {
    name: p.string().length(128).primary(),
    version: p.integer().primary(),
    body: p.json<Record<string, unknown>>(),
    hash: p.string().length(64),
    createdBy: p.string().length(256),
    createdAt: p.datetime(),
  },
});
