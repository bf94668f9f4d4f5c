// Envelope encryption of documents: a data key per document under the tenant's key-encryption
// key, the tenant and the document id bound as associated data. A tampered ciphertext, or one
// moved to another tenant or document, must not open.
import { Sealed } from '@careline/contracts';
import { DecryptionError, createLocalKeyProvider, createSealer } from '@careline/crypto';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { atRestContext, createAtRest } from './sealing';

const atRest = createAtRest(createSealer(createLocalKeyProvider({ masterKey: randomBytes(32) })));
const tenantA = randomUUID();
const tenantB = randomUUID();
const content = Buffer.from('%PDF-1.7 haemoglobin 13.2 g/dL');

describe('document envelope encryption', () => {
  it('opens for the same tenant and document, and holds no plaintext', async () => {
    const doc = randomUUID();
    const stored = await atRest.seal(tenantA, content, atRestContext.documentContent(doc));
    expect(Buffer.from(await atRest.open(tenantA, stored, atRestContext.documentContent(doc)))).toEqual(
      content,
    );
    expect(Buffer.from(stored).includes(Buffer.from('haemoglobin'))).toBe(false);
  });

  it('uses a fresh data key per document (same content, different wrapped keys and ciphertexts)', async () => {
    const one = Sealed.decode(
      await atRest.seal(tenantA, content, atRestContext.documentContent(randomUUID())),
    );
    const two = Sealed.decode(
      await atRest.seal(tenantA, content, atRestContext.documentContent(randomUUID())),
    );
    expect(Buffer.from(one.wrappedKey).equals(Buffer.from(two.wrappedKey))).toBe(false);
    expect(Buffer.from(one.ciphertext).equals(Buffer.from(two.ciphertext))).toBe(false);
  });

  it('fails on a tampered ciphertext, a tampered wrapped key, another tenant, or another document', async () => {
    const doc = randomUUID();
    const context = atRestContext.documentContent(doc);
    const stored = await atRest.seal(tenantA, content, context);
    const box = Sealed.decode(stored);

    const flipped = Uint8Array.from(box.ciphertext);
    flipped[3] = (flipped[3] ?? 0) ^ 0x01;
    await expect(
      atRest.open(tenantA, Sealed.encode({ ...box, ciphertext: flipped }).finish(), context),
    ).rejects.toBeInstanceOf(DecryptionError);

    const wrapped = Uint8Array.from(box.wrappedKey);
    wrapped[wrapped.length - 1] = (wrapped[wrapped.length - 1] ?? 0) ^ 0x80;
    await expect(
      atRest.open(tenantA, Sealed.encode({ ...box, wrappedKey: wrapped }).finish(), context),
    ).rejects.toBeInstanceOf(DecryptionError);

    await expect(atRest.open(tenantB, stored, context)).rejects.toBeInstanceOf(DecryptionError);
    await expect(
      atRest.open(tenantA, stored, atRestContext.documentContent(randomUUID())),
    ).rejects.toBeInstanceOf(DecryptionError);
    // the same document's other fields are other contexts too
    await expect(atRest.open(tenantA, stored, atRestContext.documentTitle(doc))).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });
});
