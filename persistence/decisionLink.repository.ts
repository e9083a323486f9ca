import type { EntityManager } from '@mikro-orm/postgresql';
import type { Alongside } from './actorWrite.js';
import { runStatement } from './statement.js';

/**
 * What records a link's use alongside the lane's write: the nonce row is inserted only with
 * the lane's, and a nonce already used inserts nothing, which aborts the whole statement.
 */
export function linkUseParts(nonce: string, laneId: string): Alongside {
  return {
    ctes: `link_used as (insert into decision_link_uses (nonce, lane_id, used_at)
      select ?::uuid, ?::uuid, now() where exists (select 1 from written)
      on conflict (nonce) do nothing returning lane_id as id)`,
    written: 'link_used',
    owners: 'select id from written',
    values: [nonce, laneId],
    shape: 'link_use',
  };
}

/** Whether the link with this nonce was used. */
export async function isLinkUsed(em: EntityManager, nonce: string): Promise<boolean> {
  const rows = await runStatement(em, 'select 1 from decision_link_uses where nonce = ?::uuid', [
    nonce,
  ]);
  return rows.length > 0;
}
