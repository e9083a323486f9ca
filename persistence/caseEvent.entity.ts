import { defineEntity, p } from '@mikro-orm/core';

/**
 * An append-only event of a case's own audit chain, hashed and signed like a proposal's
 * (see `src/audit/auditChain.ts`). `taskId` names the proposal or lane an event is about.
 */
export const CaseEvent = defineEntity({
  name: 'CaseEvent',
  tableName: 'case_events',
  properties: {
    id: p.uuid().primary(),
    caseId: p.uuid(),
    taskId: p.uuid().nullable(),
    seq: p.integer(),
    type: p.string().length(64),
    actorId: p.string().length(256),
    payload: p.json<Record<string, unknown>>(),
    prevHash: p.string().length(64),
    hash: p.string().length(64),
    createdAt: p.datetime(),
    hashVersion: p.integer(),
    signature: p.text().nullable(),
    keyId: p.string().length(64).nullable(),
  },
  uniques: [{ properties: ['caseId', 'seq'] }],
  indexes: [{ properties: ['taskId'] }],
});
