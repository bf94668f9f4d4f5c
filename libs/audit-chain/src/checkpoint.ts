// Signed checkpoints: an Ed25519 signature over the canonical form of {tenant_id, seq, hash,
// signed_at, key_id}. A checkpoint published outside the database pins the chain up to `seq`:
// rewriting history before it (even recomputing every hash) no longer matches the signed hash.
import { type KeyObject, createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { canonicalBytes } from './canonical';
import { type ChainEntry, isHash } from './chain';

export interface CheckpointBody {
  tenantId: string;
  seq: number;
  hash: string;
  /** ISO 8601, UTC. */
  signedAt: string;
  keyId: string;
}

export interface Checkpoint extends CheckpointBody {
  /** base64 Ed25519 signature. */
  signature: string;
}

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The key id: first 16 hex characters of SHA-256 over the public key's SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Parses an Ed25519 private key (PKCS#8 PEM). Throws a message that never contains the key. */
export function parseSigningKey(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new TypeError('not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('the signing key must be Ed25519');
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** Parses an Ed25519 public key (SPKI PEM). */
export function parseVerifyKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new TypeError('not a PEM public key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('the public key must be Ed25519');
  return key;
}

function signedBytes(body: CheckpointBody): Uint8Array {
  return canonicalBytes({
    tenant_id: body.tenantId,
    seq: body.seq,
    hash: body.hash,
    signed_at: body.signedAt,
    key_id: body.keyId,
  });
}

export function signCheckpoint(
  key: SigningKey,
  head: { tenantId: string; seq: number; hash: string },
  signedAt: Date,
): Checkpoint {
  const body: CheckpointBody = { ...head, signedAt: signedAt.toISOString(), keyId: key.keyId };
  return { ...body, signature: sign(null, signedBytes(body), key.privateKey).toString('base64') };
}

export type CheckpointProblem = 'bad_signature' | 'wrong_key' | 'missing_entry' | 'hash_mismatch';

export type CheckpointVerdict = { ok: true } | { ok: false; problem: CheckpointProblem; message: string };

/**
 * Checks the signature with `publicKey` and, when the chain is given, that the entry at the
 * checkpoint's seq carries the signed hash.
 */
export function verifyCheckpoint(
  checkpoint: Checkpoint,
  publicKey: KeyObject,
  entryAt?: (seq: number) => ChainEntry | undefined,
): CheckpointVerdict {
  const at = `checkpoint at seq ${checkpoint.seq}`;
  if (checkpoint.keyId !== keyIdOf(publicKey)) {
    return { ok: false, problem: 'wrong_key', message: `${at} was signed with key ${checkpoint.keyId}, not this key` };
  }
  let valid = false;
  try {
    valid = isHash(checkpoint.hash) && verify(null, signedBytes(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, problem: 'bad_signature', message: `${at}: signature does not verify` };
  if (entryAt !== undefined) {
    const entry = entryAt(checkpoint.seq);
    if (entry === undefined) return { ok: false, problem: 'missing_entry', message: `${at}: no entry with that seq` };
    if (entry.hash !== checkpoint.hash) {
      return { ok: false, problem: 'hash_mismatch', message: `${at}: the entry's hash differs from the signed one` };
    }
  }
  return { ok: true };
}
