import { p } from '@mikro-orm/core';

/**
 * The columns every audit chain's events share, after the columns naming their chain and
 * task: position, content, link, hash rule and head signature (see `src/audit/auditChain.ts`).
 * Fresh builders per entity: MikroORM keeps what it learns of a property on its builder.
 */
export const chainedEventProperties = () => ({
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
});
