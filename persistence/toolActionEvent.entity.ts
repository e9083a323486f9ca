import { defineEntity, p } from '@mikro-orm/core';
import { chainedEventProperties } from './chainedEvent.js';

/**
 * An append-only audit row. `prevHash` is the SHA-256 of the proposal's previous event
 * (a fixed genesis value for the first); `hash` covers this row's content and `prevHash`
 * under the rule `hashVersion` names (1: millisecond time, no id; 2: the id and the full
 * microsecond time's text as well; 3: the id and the time as epoch seconds to the
 * microsecond, which keeps its era). `signature` signs the chain's head after this row, with the
 * key named by `keyId`; null where no signing key was configured.
 */
export const ToolActionEvent = defineEntity({
  name: 'ToolActionEvent',
  tableName: 'tool_action_events',
  properties: {
    id: p.uuid().primary(),
    proposalId: p.uuid(),
    approvalId: p.uuid().nullable(),
    ...chainedEventProperties(),
  },
  uniques: [{ properties: ['proposalId', 'seq'] }],
  indexes: [{ properties: ['approvalId', 'seq'] }],
});
