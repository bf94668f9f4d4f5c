import { describe, expect, it } from 'vitest';
import { createAtRest, createLocalKeyProvider, createSealer, generateMasterKey, parseMasterKey } from './index';

const TENANT = '0b6f1c8e-5d2a-4c1e-9f3b-7a8d6e5c4b3a';
const OTHER = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';

describe('values at rest', () => {
  const atRest = createAtRest(createSealer(createLocalKeyProvider({ masterKey: parseMasterKey(generateMasterKey()) })));

  it('round-trips text and bytes under their row and field, and never stores the plaintext', async () => {
    const stored = await atRest.seal(TENANT, 'Ada Lovelace', 'svc:row-1:name');
    expect(Buffer.from(stored).toString('latin1')).not.toContain('Ada Lovelace');
    expect(await atRest.openString(TENANT, stored, 'svc:row-1:name')).toBe('Ada Lovelace');
    const bytes = await atRest.seal(TENANT, new Uint8Array([1, 2, 3]), 'svc:row-1:blob');
    expect([...(await atRest.open(TENANT, bytes, 'svc:row-1:blob'))]).toEqual([1, 2, 3]);
  });

  it('does not open under another row, field or tenant, nor once tampered with', async () => {
    const stored = await atRest.seal(TENANT, 'secret', 'svc:row-1:name');
    await expect(atRest.openString(TENANT, stored, 'svc:row-2:name')).rejects.toThrow();
    await expect(atRest.openString(OTHER, stored, 'svc:row-1:name')).rejects.toThrow();
    const tampered = Uint8Array.from(stored);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff;
    await expect(atRest.openString(TENANT, tampered, 'svc:row-1:name')).rejects.toThrow();
  });
});
