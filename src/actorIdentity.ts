import type { GovernanceRuntime } from './governanceRuntime.js';

/**
 * An actor id in the form every guard compares: NFC, with default-ignorable code points
 * (zero-width spaces, joiners, soft hyphens, variation selectors…) removed. Case is kept:
 * a directory that treats `Dana` and `dana` as one person folds case in `resolveActor`
 * and returns the canonical id.
 */
export function canonicalActorId(id: string): string {
  // Printable ASCII is already canonical: most ids skip the Unicode work.
  if (/^[\x20-\x7e]*$/.test(id)) return id;
  return id.normalize('NFC').replace(/\p{Default_Ignorable_Code_Point}/gu, '');
}

/** `system`, `system:auto`, `system:worker`, …: ids only countersign itself acts as. */
export function isReservedActorId(id: string): boolean {
  const canonical = canonicalActorId(id).toLowerCase();
  return canonical === 'system' || canonical.startsWith('system:');
}

/** Who a host says is acting, once the directory has answered. */
export type ResolvedActor =
  | { ok: true; actorId: string; scopes: readonly string[] | null; roles: readonly string[] }
  | { ok: false; reason: 'reserved_actor' | 'unknown_actor' | 'actor_unresolved' };

/**
 * Resolves a host-supplied actor id: refuses countersign's reserved ids, then asks
 * `resolveActor` (when configured) for the canonical id, scopes and roles; a directory that
 * cannot answer grants nothing. Without `resolveActor`, the id is only canonicalised and
 * `scopes` is null (the caller's declared scopes stand).
 */
export async function resolveActor(rt: GovernanceRuntime, id: string): Promise<ResolvedActor> {
  if (isReservedActorId(id)) return { ok: false, reason: 'reserved_actor' };
  const canonical = canonicalActorId(id);
  const directory = rt.lanes.resolveActor;
  if (!directory) return { ok: true, actorId: canonical, scopes: null, roles: [] };
  const identity = await Promise.resolve()
    .then(() => directory(canonical))
    .catch(() => 'unresolved' as const);
  if (identity === 'unresolved') return { ok: false, reason: 'actor_unresolved' };
  if (!identity) return { ok: false, reason: 'unknown_actor' };
  const actorId = canonicalActorId(identity.actorId ?? canonical);
  if (isReservedActorId(actorId) || actorId === '') return { ok: false, reason: 'reserved_actor' };
  return { ok: true, actorId, scopes: [...identity.scopes], roles: [...identity.roles] };
}

/** The scopes a call holds: the directory's, narrowed by what the caller declared. */
export function effectiveScopes(
  resolved: readonly string[] | null,
  declared: readonly string[] | undefined,
): string[] {
  if (resolved === null) return [...(declared ?? [])];
  return declared === undefined ? [...resolved] : resolved.filter((s) => declared.includes(s));
}
