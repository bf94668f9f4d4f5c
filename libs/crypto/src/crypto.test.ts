import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@careline/runtime';
import { z } from 'zod';
import {
  createLocalKeyProvider,
  createSealer,
  DecryptionError,
  generateMasterKey,
  masterKeyEnv,
  parseMasterKey,
} from './index';

const tenantA = '6f1c1a52-4d1e-4e55-9a40-0a8d3f1b2c01';
const tenantB = '0b6f0c44-2f67-4a2f-8e43-9e5f5d7c9a02';
const masterKey = randomBytes(32);
const sealer = createSealer(createLocalKeyProvider({ masterKey }));

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe('envelope encryption', () => {
  it('round-trips text and never keeps it in clear', async () => {
    const box = await sealer.seal(tenantA, 'CANARY-Olá 👋', 'message:1:body');
    expect(Buffer.from(box.ciphertext).includes(Buffer.from('CANARY'))).toBe(false);
    expect(await sealer.openString(tenantA, box, 'message:1:body')).toBe('CANARY-Olá 👋');
    expect(box.keyRef).toBe('local/v1');
  });

  it('uses a fresh data key and nonce for every value', async () => {
    const a = await sealer.seal(tenantA, 'same', 'ctx');
    const b = await sealer.seal(tenantA, 'same', 'ctx');
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
    expect(Buffer.from(a.wrappedKey).equals(Buffer.from(b.wrappedKey))).toBe(false);
  });

  it('refuses a tampered ciphertext, nonce or wrapped key', async () => {
    const box = await sealer.seal(tenantA, 'result ready', 'ctx');
    for (let i = 0; i < box.ciphertext.length; i += 5) {
      await expect(
        sealer.open(tenantA, { ...box, ciphertext: flip(box.ciphertext, i) }, 'ctx'),
      ).rejects.toBeInstanceOf(DecryptionError);
    }
    await expect(sealer.open(tenantA, { ...box, nonce: flip(box.nonce, 0) }, 'ctx')).rejects.toBeInstanceOf(
      DecryptionError,
    );
    await expect(
      sealer.open(tenantA, { ...box, wrappedKey: flip(box.wrappedKey, 20) }, 'ctx'),
    ).rejects.toBeInstanceOf(DecryptionError);
    await expect(
      sealer.open(tenantA, { ...box, ciphertext: box.ciphertext.subarray(0, 3) }, 'ctx'),
    ).rejects.toBeInstanceOf(DecryptionError);
  });

  it('refuses a ciphertext moved to another tenant or another context', async () => {
    const box = await sealer.seal(tenantA, 'dob 1980-01-01', 'patient:1:dob');
    await expect(sealer.open(tenantB, box, 'patient:1:dob')).rejects.toBeInstanceOf(DecryptionError);
    await expect(sealer.open(tenantA, box, 'patient:2:dob')).rejects.toBeInstanceOf(DecryptionError);
  });

  it('refuses a box under another master key or an unknown key version', async () => {
    const box = await sealer.seal(tenantA, 'x', 'ctx');
    const other = createSealer(createLocalKeyProvider({ masterKey: randomBytes(32) }));
    await expect(other.open(tenantA, box, 'ctx')).rejects.toBeInstanceOf(DecryptionError);
    await expect(sealer.open(tenantA, { ...box, keyRef: 'local/v9' }, 'ctx')).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });

  it('keeps old key versions readable after rotation', async () => {
    const v1 = createSealer(createLocalKeyProvider({ masterKey, version: 1 }));
    const v2 = createSealer(createLocalKeyProvider({ masterKey, version: 2, readable: [1] }));
    const old = await v1.seal(tenantA, 'kept', 'ctx');
    expect(await v2.openString(tenantA, old, 'ctx')).toBe('kept');
    expect((await v2.seal(tenantA, 'new', 'ctx')).keyRef).toBe('local/v2');
  });
});

describe('blind index', () => {
  it('is deterministic per tenant and purpose, and differs across tenants', async () => {
    const a1 = await sealer.blindIndex(tenantA, 'wa_id', '16505551234');
    expect(await sealer.blindIndex(tenantA, 'wa_id', '16505551234')).toBe(a1);
    expect(await sealer.blindIndex(tenantB, 'wa_id', '16505551234')).not.toBe(a1);
    expect(await sealer.blindIndex(tenantA, 'mrn', '16505551234')).not.toBe(a1);
    expect(a1).not.toContain('16505551234');
  });
});

describe('master key', () => {
  it('parses a generated key and names the length of a bad one without echoing it', () => {
    expect(parseMasterKey(generateMasterKey())).toHaveLength(32);
    expect(() => parseMasterKey('c2hvcnQ=')).toThrow('master key must be 32 bytes of base64 (got 5 bytes)');
  });
});

describe('master key from the environment', () => {
  const schema = z.object({ CARELINE_MASTER_KEY: masterKeyEnv() });

  it('parses a key and refuses a bad one naming the variable, never the value', () => {
    const key = generateMasterKey();
    expect(loadConfig(schema, { CARELINE_MASTER_KEY: key }).CARELINE_MASTER_KEY).toHaveLength(32);
    let message = '';
    try {
      loadConfig(schema, { CARELINE_MASTER_KEY: 'c2hvcnQtc2VjcmV0' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('CARELINE_MASTER_KEY');
    expect(message).not.toContain('c2hvcnQtc2VjcmV0');
  });
});
