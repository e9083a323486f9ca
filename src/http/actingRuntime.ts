import type { GovernanceRuntime } from '../governanceRuntime.js';
import type { TokenActor } from './tokens.js';

/**
 * The runtime as one authenticated actor sees it: its directory knows that actor only, with
 * the scopes and roles its token grants. Every guard then runs exactly as in-process, and no
 * request can act as anyone else.
 */
export function actingRuntime(rt: GovernanceRuntime, actor: TokenActor): GovernanceRuntime {
  const identity = { actorId: actor.actorId, scopes: actor.scopes, roles: actor.roles };
  return {
    ...rt,
    lanes: {
      ...rt.lanes,
      resolveActor: (actorId) => (actorId === actor.actorId ? identity : null),
    },
  };
}
