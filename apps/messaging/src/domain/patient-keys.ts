// Crypto-shredding (issue 7, "Retention and erasure"): each patient's values are sealed under a
// data key of their own, so destroying that one key makes every copy of their ciphertext useless,
// backups included, without touching other patients.
//
// Built on libs/crypto's seam rather than beside it: a libs/crypto `KeyProvider` wraps each value's
// random data key; this provider wraps it with the PATIENT's key instead of the tenant's, and says
// so in the box's `keyRef` (`messaging/patient/<key id>`). The stored column format stays libs/crypto's
// serialized Sealed, and the keyRef is the per-value scheme marker: a value sealed before
// per-patient keys carries the tenant key's ref (`local/v1`) and is opened by the tenant's provider
// as before (read both, write the new). libs/crypto exports no raw AES-GCM primitive, so the
// wrap under a patient key is done here with node:crypto (same algorithm and layout as libs/crypto's
// local provider: 12-byte nonce ‖ ciphertext ‖ 16-byte tag).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptionError, type KeyProvider } from '@careline/crypto';

const KEY_REF_PREFIX = 'messaging/patient/';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const PATIENT_KEY_BYTES = 32;

export function patientKeyRef(keyId: string): string {
  return `${KEY_REF_PREFIX}${keyId}`;
}

/** The patient key id a box was sealed under, or undefined for a tenant-key box. */
export function patientKeyIdOf(keyRef: string): string | undefined {
  return keyRef.startsWith(KEY_REF_PREFIX) ? keyRef.slice(KEY_REF_PREFIX.length) : undefined;
}

/** The sealed patient key's own context (it is sealed under the tenant's key). */
export function patientKeyContext(keyId: string): string {
  return `messaging:patient_key:${keyId}`;
}

export function generatePatientKey(): Uint8Array {
  return randomBytes(PATIENT_KEY_BYTES);
}

// the tenant and the key ref are bound, so a wrapped data key moved to another tenant or key fails
const wrapAad = (tenantId: string, keyRef: string): Buffer => Buffer.from(`messaging/patient-wrap|${tenantId}|${keyRef}`, 'utf8');

export function wrapWithPatientKey(key: Uint8Array, tenantId: string, keyRef: string, dataKey: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(wrapAad(tenantId, keyRef));
  return Buffer.concat([nonce, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
}

export function unwrapWithPatientKey(key: Uint8Array, tenantId: string, keyRef: string, wrapped: Uint8Array): Uint8Array {
  if (wrapped.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, NONCE_BYTES));
    decipher.setAAD(wrapAad(tenantId, keyRef));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(NONCE_BYTES, wrapped.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError();
  }
}

/** Finds a patient key by id; throws DecryptionError when it does not exist (destroyed). */
export type ResolvePatientKey = (tenantId: string, keyId: string) => Promise<Uint8Array>;

/**
 * A KeyProvider that opens both kinds of boxes (tenant-key and patient-key ones) and wraps new data
 * keys with `sealWith` (a patient's key) when given, else with the tenant's key.
 */
export function patientKeyProvider(
  tenantProvider: KeyProvider,
  resolve: ResolvePatientKey,
  sealWith?: { tenantId: string; keyId: string; key: Uint8Array },
): KeyProvider {
  return {
    async wrap(tenantId, dataKey) {
      if (sealWith === undefined) return tenantProvider.wrap(tenantId, dataKey);
      // a patient key belongs to one tenant: sealing another tenant's value with it is a bug
      if (sealWith.tenantId !== tenantId) throw new TypeError('patient key used for another tenant');
      const keyRef = patientKeyRef(sealWith.keyId);
      return Promise.resolve({ keyRef, wrappedKey: wrapWithPatientKey(sealWith.key, tenantId, keyRef, dataKey) });
    },
    async unwrap(tenantId, keyRef, wrappedKey) {
      const keyId = patientKeyIdOf(keyRef);
      if (keyId === undefined) return tenantProvider.unwrap(tenantId, keyRef, wrappedKey);
      const key = sealWith !== undefined && sealWith.keyId === keyId && sealWith.tenantId === tenantId ? sealWith.key : await resolve(tenantId, keyId);
      return unwrapWithPatientKey(key, tenantId, keyRef, wrappedKey);
    },
    lookupKey: (tenantId) => tenantProvider.lookupKey(tenantId),
  };
}
