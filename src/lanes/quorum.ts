import type { ApprovalQuorum } from '../../machines/laneTypes.js';

/**
 * The quorum a lane opens with, from its tool's and its case's approval point's (in that
 * order): the larger count, the first roles named, and a rejection that rejects unless every one
 * declared counts them. Null when neither asks for one. Roles are kept only where they can
 * be checked (a directory resolves actors) and no escalation names its own role.
 */
export function laneQuorum(
  declared: readonly (ApprovalQuorum | undefined)[],
  rolesApply: boolean,
): ApprovalQuorum | null {
  const given = declared.filter((q): q is ApprovalQuorum => q !== undefined);
  if (given.length === 0) return null;
  const count = Math.max(...given.map((q) => q.count));
  const roles = given.find((q) => q.roles !== undefined)?.roles;
  const counted = given.every((q) => q.onRejection === 'count');
  return {
    count,
    ...(roles && rolesApply ? { roles: [...roles] } : {}),
    ...(counted ? { onRejection: 'count' as const } : {}),
  };
}
