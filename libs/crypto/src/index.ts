// Envelope encryption for patient-identifying content (DESIGN.md, Data): every value is
// encrypted with its own random data key (AES-256-GCM); the data key is wrapped by the tenant's
// key-encryption key, which a KeyProvider holds (local keys derived from a master key here; a
// KMS-backed provider can replace it without changing callers). The tenant and a caller-chosen
// context (e.g. `message:<id>:body`) are bound as associated data, so a ciphertext moved to
// another tenant, record or field does not decrypt.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { secret } from '@careline/runtime';
import { z } from 'zod';

export interface SealedBox {
  /** which key-encryption key wrapped the data key (provider-specific, e.g. `local/v1`) */
  keyRef: string;
  wrappedKey: Uint8Array;
  nonce: Uint8Array;
  /** AES-256-GCM ciphertext followed by its 16-byte tag */
  ciphertext: Uint8Array;
}

export interface KeyProvider {
  wrap(tenantId: string, dataKey: Uint8Array): Promise<{ keyRef: string; wrappedKey: Uint8Array }>;
  unwrap(tenantId: string, keyRef: string, wrappedKey: Uint8Array): Promise<Uint8Array>;
  /** the tenant's secret for keyed hashes (lookups without storing clear values) */
  lookupKey(tenantId: string): Promise<Uint8Array>;
}

/** Raised for any failure to open a box; it never says which part was wrong. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
  readonly code = 'decryption_failed';
  constructor() {
    super('sealed value could not be decrypted (tampered, or sealed for another tenant or context)');
  }
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

function gcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: string): { nonce: Buffer; sealed: Buffer } {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, sealed };
}

function gcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: string): Buffer {
  if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) throw new DecryptionError();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError();
  }
}

function requireTenant(tenantId: string): void {
  if (tenantId.length === 0) throw new TypeError('tenant id is required for encryption');
}

/** Decodes a base64 master key and checks its length; the message never includes the value. */
export function parseMasterKey(base64: string): Uint8Array {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new TypeError(`master key must be ${KEY_BYTES} bytes of base64 (got ${key.length} bytes)`);
  }
  return key;
}

export function generateMasterKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Local keys: each tenant's key-encryption key and lookup key are derived from one master key
 * with HKDF-SHA256, so nothing per tenant needs storing. Rotation: a new `version` derives new
 * keys; boxes keep their keyRef, and old versions stay readable while listed in `readable`.
 */
export function createLocalKeyProvider(options: {
  masterKey: Uint8Array;
  version?: number;
  readable?: readonly number[];
}): KeyProvider {
  if (options.masterKey.length !== KEY_BYTES) throw new TypeError(`master key must be ${KEY_BYTES} bytes`);
  const version = options.version ?? 1;
  const readable = new Set([version, ...(options.readable ?? [])]);
  const keks = new Map<string, Uint8Array>();
  const derive = (purpose: string, tenantId: string, v: number): Uint8Array => {
    const cacheKey = `${purpose}|${v}|${tenantId}`;
    let key = keks.get(cacheKey);
    if (!key) {
      key = new Uint8Array(
        hkdfSync('sha256', options.masterKey, `careline/${purpose}/v${v}`, tenantId, KEY_BYTES),
      );
      keks.set(cacheKey, key);
    }
    return key;
  };
  const refFor = (v: number): string => `local/v${v}`;
  const versionOf = (keyRef: string): number => {
    const match = /^local\/v(\d+)$/.exec(keyRef);
    const v = match ? Number(match[1]) : Number.NaN;
    if (!readable.has(v)) throw new DecryptionError();
    return v;
  };
  return {
    wrap(tenantId, dataKey) {
      requireTenant(tenantId);
      const keyRef = refFor(version);
      const { nonce, sealed } = gcmEncrypt(
        derive('kek', tenantId, version),
        dataKey,
        `wrap|${tenantId}|${keyRef}`,
      );
      return Promise.resolve({ keyRef, wrappedKey: Buffer.concat([nonce, sealed]) });
    },
    unwrap(tenantId, keyRef, wrappedKey) {
      requireTenant(tenantId);
      const v = versionOf(keyRef);
      const nonce = wrappedKey.subarray(0, NONCE_BYTES);
      const sealed = wrappedKey.subarray(NONCE_BYTES);
      return Promise.resolve(
        gcmDecrypt(derive('kek', tenantId, v), nonce, sealed, `wrap|${tenantId}|${keyRef}`),
      );
    },
    lookupKey(tenantId) {
      requireTenant(tenantId);
      return Promise.resolve(derive('lookup', tenantId, 1));
    },
  };
}

export interface Sealer {
  seal(tenantId: string, plaintext: Uint8Array | string, context: string): Promise<SealedBox>;
  open(tenantId: string, box: SealedBox, context: string): Promise<Uint8Array>;
  openString(tenantId: string, box: SealedBox, context: string): Promise<string>;
  /** keyed hash for equality lookups (e.g. a patient's number) without storing the clear value */
  blindIndex(tenantId: string, purpose: string, value: string): Promise<string>;
}

export function createSealer(provider: KeyProvider): Sealer {
  const aadFor = (tenantId: string, context: string): string => `careline/v1|${tenantId}|${context}`;
  const open = async (tenantId: string, box: SealedBox, context: string): Promise<Uint8Array> => {
    requireTenant(tenantId);
    const dataKey = await provider.unwrap(tenantId, box.keyRef, box.wrappedKey);
    return gcmDecrypt(dataKey, box.nonce, box.ciphertext, aadFor(tenantId, context));
  };
  return {
    async seal(tenantId, plaintext, context) {
      requireTenant(tenantId);
      const dataKey = randomBytes(KEY_BYTES);
      const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
      const { nonce, sealed } = gcmEncrypt(dataKey, bytes, aadFor(tenantId, context));
      const { keyRef, wrappedKey } = await provider.wrap(tenantId, dataKey);
      dataKey.fill(0);
      return { keyRef, wrappedKey, nonce, ciphertext: sealed };
    },
    open,
    async openString(tenantId, box, context) {
      return Buffer.from(await open(tenantId, box, context)).toString('utf8');
    },
    async blindIndex(tenantId, purpose, value) {
      const key = await provider.lookupKey(tenantId);
      return createHmac('sha256', key).update(purpose).update('\0').update(value, 'utf8').digest('hex');
    },
  };
}

/**
 * The config field of the master key (`CARELINE_MASTER_KEY`, or `CARELINE_MASTER_KEY_FILE`
 * naming a file that holds it): parsed at start, so a bad key stops the process naming the
 * variable; its value is never echoed.
 */
export function masterKeyEnv() {
  return secret().transform((value, ctx): Uint8Array => {
    try {
      return parseMasterKey(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be ${KEY_BYTES} bytes of base64` });
      return z.NEVER;
    }
  });
}
export { type AtRest, createAtRest } from './at-rest';
