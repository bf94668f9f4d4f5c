// Per-patient data keys (crypto-shredding, see domain/patient-keys.ts and README "Retention and
// erasure"). `atRest` opens every value, whichever key sealed it; `forPatient` returns the AtRest
// that seals with the patient's key, creating the key on first use in the caller's transaction.
//
// Opening a patient-key value needs the key, which lives in Postgres. `atRest.open` has no
// transaction of its own (callers pass only bytes), so keys are read through a pool of their own
// (2 connections): a request holding a connection of the main pool and waiting for one more could
// otherwise starve the main pool. Unwrapped keys are cached for a short time (`cacheTtlMs`), and a
// key made or found by `forPatient` is cached at once, so a value sealed earlier in the same
// (uncommitted) transaction opens. Erasure forgets the key in this process; another replica forgets
// it when its cache entry expires, and by then the rows it could read are deleted.
import { randomUUID } from 'node:crypto';
import { type AtRest, type KeyProvider, DecryptionError, createAtRest, createSealer } from '@careline/crypto';
import { type Pool, type Queryable, withTenant } from '@careline/db';
import { ensurePatientKey, lockPatientKey, patientKeyById } from '../db/erasure';
import { generatePatientKey, patientKeyContext, patientKeyProvider } from '../domain/patient-keys';

export interface PatientKeys {
  /** Opens tenant-key values (written before per-patient keys) and patient-key values; seals with the tenant key. */
  atRest: AtRest;
  /** The AtRest sealing with the patient's key (tenant + wa_id_hash), made on first use in this transaction. */
  forPatient(client: Queryable, tenantId: string, waIdHash: string): Promise<AtRest>;
  /** Drops a destroyed key from this process's cache. */
  forget(tenantId: string, keyId: string): void;
}

const DEFAULT_CACHE_TTL_MS = 60_000;
const MAX_CACHED_KEYS = 10_000;

export function createPatientKeys(options: {
  /** the tenant key provider (libs/crypto) */
  provider: KeyProvider;
  /** a small pool of messaging's role, used only to read keys */
  keyPool: Pool;
  clock: () => Date;
  cacheTtlMs?: number;
}): PatientKeys {
  const { provider, keyPool, clock } = options;
  const ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  const tenantAtRest = createAtRest(createSealer(provider));
  const cache = new Map<string, { key: Uint8Array; until: number }>();
  const cacheKey = (tenantId: string, keyId: string): string => `${tenantId.toLowerCase()}|${keyId.toLowerCase()}`;

  const remember = (tenantId: string, keyId: string, key: Uint8Array): void => {
    if (ttl <= 0) return;
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    cache.set(cacheKey(tenantId, keyId), { key, until: Date.now() + ttl });
  };

  const resolve = async (tenantId: string, keyId: string): Promise<Uint8Array> => {
    const cached = cache.get(cacheKey(tenantId, keyId));
    if (cached !== undefined && cached.until > Date.now()) return cached.key;
    const sealed = await withTenant(keyPool, tenantId, (client) => patientKeyById(client, tenantId, keyId));
    // destroyed (erased) or never committed: the value cannot open, and says nothing more
    if (sealed === undefined) throw new DecryptionError();
    const key = await tenantAtRest.open(tenantId, sealed, patientKeyContext(keyId));
    remember(tenantId, keyId, key);
    return key;
  };

  const atRest = createAtRest(createSealer(patientKeyProvider(provider, resolve)));

  return {
    atRest,
    async forPatient(client, tenantId, waIdHash) {
      let row = await lockPatientKey(client, tenantId, waIdHash, 'FOR SHARE');
      let key: Uint8Array | undefined;
      if (row === undefined) {
        const id = randomUUID();
        const fresh = generatePatientKey();
        row = await ensurePatientKey(client, {
          id,
          tenantId,
          waIdHash,
          keySealed: await tenantAtRest.seal(tenantId, fresh, patientKeyContext(id)),
          createdAt: clock(),
        });
        // ours, or the one a concurrent first use inserted (ON CONFLICT waited for it)
        if (row.id === id) key = fresh;
      }
      const keyId = row.id;
      const cached = cache.get(cacheKey(tenantId, keyId));
      key ??= cached !== undefined && cached.until > Date.now() ? cached.key : await tenantAtRest.open(tenantId, row.keySealed, patientKeyContext(keyId));
      remember(tenantId, keyId, key);
      return createAtRest(createSealer(patientKeyProvider(provider, resolve, { tenantId, keyId, key })));
    },
    forget(tenantId, keyId) {
      cache.delete(cacheKey(tenantId, keyId));
    },
  };
}
