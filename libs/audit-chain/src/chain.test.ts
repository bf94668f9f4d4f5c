import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical';
import { type AuditRecord, type ChainEntry, GENESIS_HASH, appendEntry, entryHash, verifyChain } from './chain';
import { keyIdOf, parseSigningKey, parseVerifyKey, signCheckpoint, verifyCheckpoint } from './checkpoint';
import { fromFhirAuditEvent, toFhirAuditEvent, toNdjsonLine } from './fhir';
import { verifyExport } from './verify-export';

const TENANT = '7d4f1c2a-0b1e-4a7f-9a51-3f1b2c3d4e5f';

function record(n: number): Omit<AuditRecord, 'seq'> {
  return {
    tenantId: TENANT,
    eventId: `evt-${n}`,
    source: '/careline/messaging',
    action: 'message.sent',
    actorType: 'staff',
    actorId: `user-${n}`,
    patientId: 'patient-1',
    patientWaIdHash: '',
    resourceType: 'message',
    resourceId: `msg-${n}`,
    outcome: 'success',
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    detail: { channel: 'whatsapp', n: String(n) },
  };
}

function chain(length: number): ChainEntry[] {
  const entries: ChainEntry[] = [];
  for (let n = 1; n <= length; n += 1) entries.push(appendEntry(entries.at(-1), record(n)));
  return entries;
}

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signing: parseSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

describe('canonical form', () => {
  it('does not depend on key order and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } })).toBe('{"a":{"c":null,"d":[1,"x"]},"b":1}');
    expect(canonicalJson({ a: { c: null, d: [1, 'x'] }, b: 1 })).toBe(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } }));
  });

  it('sorts keys by UTF-16 code units and keeps unicode as UTF-8', () => {
    // "é" (U+00E9) sorts after "z"; the astral "😀" (surrogates D83D…) sorts after "é".
    expect(canonicalJson({ '😀': 1, é: 2, z: 3 })).toBe('{"z":3,"é":2,"😀":1}');
    expect(canonicalJson('Zoë \u2028 "q"')).toBe('"Zoë \u2028 \\"q\\""');
  });

  it('refuses floats', () => {
    expect(() => canonicalJson(1.5)).toThrow(TypeError);
  });
});

describe('chain hashing', () => {
  it('starts at genesis and links each entry to the previous hash', () => {
    const [first, second] = chain(2);
    expect(first?.prevHash).toBe(GENESIS_HASH);
    expect(first?.seq).toBe(1);
    expect(second?.prevHash).toBe(first?.hash);
    expect(second?.seq).toBe(2);
  });

  it('changes the hash when any field changes', () => {
    const [entry] = chain(1);
    if (entry === undefined) throw new Error('no entry');
    const changes: Partial<AuditRecord>[] = [
      { tenantId: 'other' },
      { seq: 2 },
      { eventId: 'x' },
      { source: 'x' },
      { action: 'x' },
      { actorType: 'patient' },
      { actorId: 'x' },
      { patientId: 'x' },
      { patientWaIdHash: 'x' },
      { resourceType: 'x' },
      { resourceId: 'x' },
      { outcome: 'denied' },
      { occurredAt: new Date(0).toISOString() },
      { detail: { channel: 'whatsapp' } },
      { detail: { channel: 'whatsapp', n: '2' } },
    ];
    for (const change of changes) {
      expect(entryHash(entry.prevHash, { ...entry, ...change }), JSON.stringify(change)).not.toBe(entry.hash);
    }
    expect(entryHash('1'.repeat(64), entry)).not.toBe(entry.hash);
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain', () => {
    const entries = chain(5);
    expect(verifyChain(entries)).toEqual({ ok: true, count: 5, head: { seq: 5, hash: entries[4]?.hash } });
    expect(verifyChain([])).toEqual({ ok: true, count: 0, head: undefined });
  });

  it('names a changed row', () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, actorId: 'mallory' };
    expect(verifyChain(entries)).toMatchObject({ ok: false, seq: 3, reason: 'hash_mismatch' });
  });

  it('names a row whose hash was recomputed by its successor', () => {
    const entries = chain(5);
    const changed = { ...entries[2]!, actorId: 'mallory' };
    entries[2] = { ...changed, hash: entryHash(changed.prevHash, changed) };
    expect(verifyChain(entries)).toMatchObject({ ok: false, seq: 4, reason: 'prev_mismatch' });
  });

  it('names a deleted row as a gap', () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verifyChain(entries)).toMatchObject({ ok: false, seq: 2, reason: 'gap' });
  });

  it('names reordered rows', () => {
    const entries = chain(5);
    [entries[1], entries[2]] = [entries[2]!, entries[1]!];
    expect(verifyChain(entries)).toMatchObject({ ok: false, seq: 2, reason: 'gap' });
    const renumbered = chain(5);
    const [a, b] = [renumbered[1]!, renumbered[2]!];
    renumbered[1] = { ...b, seq: 2 };
    renumbered[2] = { ...a, seq: 3 };
    expect(verifyChain(renumbered)).toMatchObject({ ok: false, seq: 2, reason: 'prev_mismatch' });
  });

  it('refuses another tenant when one is expected', () => {
    expect(verifyChain(chain(2), 'someone-else')).toMatchObject({ ok: false, seq: 1, reason: 'tenant_mismatch' });
  });
});

describe('checkpoints', () => {
  it('verifies with the signing key and fails on a changed hash or another key', () => {
    const { signing, publicPem } = keyPair();
    const entries = chain(3);
    const checkpoint = signCheckpoint(signing, { tenantId: TENANT, seq: 3, hash: entries[2]!.hash }, new Date());
    expect(checkpoint.keyId).toBe(keyIdOf(parseVerifyKey(publicPem)));
    const entryAt = (seq: number) => entries[seq - 1];
    expect(verifyCheckpoint(checkpoint, parseVerifyKey(publicPem), entryAt)).toEqual({ ok: true });

    expect(verifyCheckpoint({ ...checkpoint, hash: entries[1]!.hash }, parseVerifyKey(publicPem))).toMatchObject({
      ok: false,
      problem: 'bad_signature',
    });
    expect(verifyCheckpoint({ ...checkpoint, seq: 2 }, parseVerifyKey(publicPem))).toMatchObject({ problem: 'bad_signature' });
    const other = keyPair();
    expect(verifyCheckpoint(checkpoint, parseVerifyKey(other.publicPem))).toMatchObject({ problem: 'wrong_key' });
    // Another key claiming this key's id still fails on the signature.
    const forged = signCheckpoint(other.signing, { tenantId: TENANT, seq: 3, hash: entries[2]!.hash }, new Date());
    expect(verifyCheckpoint({ ...forged, keyId: checkpoint.keyId }, parseVerifyKey(publicPem))).toMatchObject({
      problem: 'bad_signature',
    });
    // A chain rewritten after signing no longer carries the signed hash.
    const rewritten = chain(3).map((e) => ({ ...e, hash: e.seq === 3 ? '0'.repeat(64) : e.hash }));
    expect(verifyCheckpoint(checkpoint, parseVerifyKey(publicPem), (seq) => rewritten[seq - 1])).toMatchObject({
      problem: 'hash_mismatch',
    });
  });

  it('refuses keys that are not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => parseSigningKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/Ed25519/);
    expect(() => parseSigningKey('nonsense')).toThrow('not a PEM private key');
  });
});

describe('FHIR export', () => {
  it('round-trips every entry exactly', () => {
    const entries = chain(3);
    entries.push(appendEntry(entries.at(-1), { ...record(4), patientId: '', patientWaIdHash: 'abc', resourceType: '', resourceId: '', outcome: 'unknown', actorType: 'unknown', detail: {} }));
    for (const entry of entries) expect(fromFhirAuditEvent(JSON.parse(JSON.stringify(toFhirAuditEvent(entry))))).toEqual(entry);
  });

  it('verifies offline and names the tampered seq', () => {
    const { signing, publicPem } = keyPair();
    const entries = chain(4);
    const checkpoints = [signCheckpoint(signing, { tenantId: TENANT, seq: 4, hash: entries[3]!.hash }, new Date())];
    const ndjson = entries.map(toNdjsonLine).join('');
    expect(verifyExport(ndjson, checkpoints, parseVerifyKey(publicPem))).toMatchObject({ ok: true, entries: 4, checkpoints: 1 });

    const lines = ndjson.trimEnd().split('\n');
    lines[1] = lines[1]!.replace('user-2', 'user-9');
    expect(verifyExport(lines.join('\n'), checkpoints, parseVerifyKey(publicPem))).toMatchObject({ ok: false, seq: 2 });
    expect(verifyExport(ndjson, checkpoints, parseVerifyKey(keyPair().publicPem))).toMatchObject({ ok: false, seq: 4 });
  });
});
