import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { canonicalActorId, isReservedActorId } from '../actorIdentity.js';
import { ConfigurationError } from '../errors/configurationError.js';
import { idSchema } from '../pipeline/idSchema.js';

/** Who a bearer token acts as: identity comes from here, never from a request body. */
export interface TokenActor {
  actorId: string;
  scopes: readonly string[];
  roles: readonly string[];
}

/** Maps a presented bearer token to its actor; null for a token nobody issued. */
export type ResolveToken = (token: string) => TokenActor | null | Promise<TokenActor | null>;

/** The stored form of a token: `sha256:` and the hex SHA-256 of the token. */
export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** A new random token (256 bits, base64url) and its stored form. */
export function createToken(): { token: string; tokenHash: string } {
  const token = `cs_${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashToken(token) };
}

const entrySchema = z.strictObject({
  tokenHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>'),
  actorId: idSchema,
  scopes: z.array(z.string().min(1).max(256)).max(1_000).default([]),
  roles: z.array(z.string().min(1).max(256)).max(1_000).default([]),
});

/** One line of a tokens file: a token's hash and the actor it acts as. */
export type TokenEntry = z.input<typeof entrySchema>;

const fileSchema = z.strictObject({ tokens: z.array(entrySchema).max(100_000) });

/**
 * A {@link ResolveToken} over stored hashes. The presented token is hashed and compared with
 * every entry in constant time, so neither a match nor its position shows in the timing.
 */
export function tokenDirectory(entries: readonly TokenEntry[]): ResolveToken {
  const parsed = z.array(entrySchema).safeParse(entries);
  if (!parsed.success) {
    throw new ConfigurationError(`invalid token entries: ${z.prettifyError(parsed.error)}`);
  }
  const actors = parsed.data.map((e) => {
    const actorId = canonicalActorId(e.actorId);
    if (isReservedActorId(actorId)) {
      throw new ConfigurationError(`a token cannot act as ${actorId}: reserved for countersign`);
    }
    const hash = Buffer.from(e.tokenHash.slice('sha256:'.length), 'hex');
    return { hash, actor: { actorId, scopes: e.scopes, roles: e.roles } };
  });
  return (token) => {
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let found: TokenActor | null = null;
    for (const { hash, actor } of actors) {
      if (timingSafeEqual(hash, presented) && found === null) found = actor;
    }
    return found;
  };
}

/** The entries of a tokens file: `{ "tokens": [{ tokenHash, actorId, scopes?, roles? }] }`. */
export function readTokensFile(path: string): TokenEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(
      `cannot read the tokens file ${path}: ${(error as Error).message}`,
    );
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigurationError(`invalid tokens file ${path}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data.tokens;
}
