import { defineEntity, p } from '@mikro-orm/core';

/**
 * A decision link that was used: its nonce, the lane it decided and when. Written in the
 * same statement as the decision, so a link decides once or not at all.
 */
export const DecisionLinkUse = defineEntity({
  name: 'DecisionLinkUse',
  tableName: 'decision_link_uses',
  properties: {
    nonce: p.uuid().primary(),
    laneId: p.uuid(),
    usedAt: p.datetime(),
  },
});
