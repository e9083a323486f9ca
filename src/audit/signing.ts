import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ConfigurationError } from '../errors/configurationError.js';

/**
 * The key that signs every advance of a chain's head and every checkpoint: an HMAC-SHA-256
 * secret, or an Ed25519 private key (a `KeyObject` or PEM). The database never holds it;
 * `keyId` is stored beside each signature so keys can rotate.
 */
export type AuditSigningKey =
  | { keyId: string; hmacSecret: string | Buffer }
  | { keyId: string; privateKey: KeyObject | string };

/** A key that checks signatures: the HMAC secret, or the Ed25519 public key. */
export type AuditVerificationKey =
  { keyId: string; hmacSecret: string | Buffer } | { keyId: string; publicKey: KeyObject | string };

/** The `audit` option of `createGovernance`. */
export interface AuditOptions {
  /** Signs heads and checkpoints. Without it nothing is signed and results say `anchored: false`. */
  signingKey?: AuditSigningKey | undefined;
  /** Earlier keys whose signatures still verify (rotation); the signing key is always one. */
  verificationKeys?: readonly AuditVerificationKey[] | undefined;
}

/** What a signature check found. */
export type SignatureCheck = 'valid' | 'invalid' | 'unknown_key';

/** Signs and checks countersign's statements with the configured keys. */
export interface AuditKeys {
  /** Whether a signing key is configured. */
  readonly anchored: boolean;
  /** The id of the signing key; null without one. */
  readonly signingKeyId: string | null;
  /** The signing key's id and a signature of `statement`; null without a signing key. */
  sign(statement: string): { keyId: string; signature: string } | null;
  check(statement: string, keyId: string, signature: string): SignatureCheck;
}

interface Verifier {
  verify(statement: string, signature: string): boolean;
}

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

function keyIdOf(key: { keyId?: unknown }): string {
  if (typeof key.keyId !== 'string' || !KEY_ID.test(key.keyId)) {
    throw new ConfigurationError('audit key ids are 1-64 letters, digits, _ . : -');
  }
  return key.keyId;
}

function hmacKey(secret: string | Buffer): KeyObject {
  const key = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  if (key.symmetricKeySize! < 32)
    throw new ConfigurationError('an audit HMAC secret needs at least 32 bytes');
  return key;
}

function ed25519(key: KeyObject, kind: 'private' | 'public'): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519' || key.type !== kind) {
    throw new ConfigurationError(`the audit key must be an Ed25519 ${kind} key`);
  }
  return key;
}

const hmac = (key: KeyObject, statement: string) =>
  createHmac('sha256', key).update(statement).digest('base64url');

function verifierOf(key: AuditVerificationKey | AuditSigningKey): Verifier {
  if ('hmacSecret' in key) {
    const secret = hmacKey(key.hmacSecret);
    return {
      verify: (statement, signature) => {
        const expected = Buffer.from(`hmac-sha256:${hmac(secret, statement)}`);
        const given = Buffer.from(signature);
        return given.length === expected.length && timingSafeEqual(given, expected);
      },
    };
  }
  const publicKey =
    'publicKey' in key
      ? ed25519(
          typeof key.publicKey === 'string' ? createPublicKey(key.publicKey) : key.publicKey,
          'public',
        )
      : createPublicKey(privateKeyOf(key.privateKey));
  return {
    verify: (statement, signature) => {
      if (!signature.startsWith('ed25519:')) return false;
      const bytes = Buffer.from(signature.slice('ed25519:'.length), 'base64url');
      return bytes.length === 64 && verify(null, Buffer.from(statement), publicKey, bytes);
    },
  };
}

function privateKeyOf(key: KeyObject | string): KeyObject {
  return ed25519(typeof key === 'string' ? createPrivateKey(key) : key, 'private');
}

/** Builds the signer and verifiers; a malformed key is a {@link ConfigurationError} at start. */
export function createAuditKeys(options: AuditOptions = {}): AuditKeys {
  const verifiers = new Map<string, Verifier>();
  const add = (key: AuditVerificationKey | AuditSigningKey) => {
    const keyId = keyIdOf(key);
    try {
      verifiers.set(keyId, verifierOf(key));
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      throw new ConfigurationError(
        `audit key ${keyId} cannot be read: ${(error as Error).message}`,
      );
    }
  };
  for (const key of options.verificationKeys ?? []) add(key);
  const signing = options.signingKey;
  let signer: ((statement: string) => string) | null = null;
  if (signing) {
    add(signing);
    if ('hmacSecret' in signing) {
      const secret = hmacKey(signing.hmacSecret);
      signer = (statement) => `hmac-sha256:${hmac(secret, statement)}`;
    } else {
      const key = privateKeyOf(signing.privateKey);
      signer = (statement) =>
        `ed25519:${sign(null, Buffer.from(statement), key).toString('base64url')}`;
    }
  }
  return {
    anchored: signer !== null,
    signingKeyId: signer ? signing!.keyId : null,
    sign: (statement) => (signer ? { keyId: signing!.keyId, signature: signer(statement) } : null),
    check(statement, keyId, signature) {
      const verifier = verifiers.get(keyId);
      if (!verifier) return 'unknown_key';
      try {
        return verifier.verify(statement, signature) ? 'valid' : 'invalid';
      } catch {
        return 'invalid';
      }
    },
  };
}

/** What a head signature covers: the chain, the head's position and its hash. */
export function headStatement(proposalId: string, seq: number, hash: string): string {
  return `countersign.head/1\n${proposalId}\n${seq}\n${hash}`;
}
