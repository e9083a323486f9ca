import { defineEntity, p } from '@mikro-orm/core';
import { chainedEventProperties } from './chainedEvent.js';

/**
 * An append-only event of a case's own audit chain, hashed and signed like a proposal's
 * (see `src/audit/auditChain.ts`). `taskId` names the proposal or lane an event is about.
 */
export const CaseEvent = defineEntity({
  name: 'CaseEvent',
  tableName: 'case_events',
  properties: {
    id: p.uuid().primary(),
    caseId: p.string().length(200),
    taskId: p.uuid().nullable(),
    ...chainedEventProperties(),
  },
  uniques: [{ properties: ['caseId', 'seq'] }],
  indexes: [{ properties: ['taskId'] }],
});
