import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchSignature, signBody, verifySignature } from './signature.js';

const SECRET = 'app-secret-1';

/**
 * Meta's serialisation, built here independently of the library's helper: JSON.stringify, then every
 * non-ASCII UTF-16 code unit as a `\uXXXX` escape.
 */
function metaSerialise(value: unknown): Uint8Array {
  const escaped = JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (unit) => '\\u' + unit.charCodeAt(0).toString(16).padStart(4, '0'),
  );
  return Buffer.from(escaped, 'ascii');
}

/** The expected header, computed with node:crypto directly rather than through `signBody`. */
function metaHeader(body: Uint8Array, secret: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

const inboundWithUnicode = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
            contacts: [{ profile: { name: 'José Müller 李' }, wa_id: '16505551234' }],
            messages: [
              {
                from: '16505551234',
                id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
                timestamp: '1749416383',
                type: 'text',
                text: { body: 'Olá! Consulta amanhã? 🙏 ñ ü 中文' },
              },
            ],
          },
        },
      ],
    },
  ],
};

describe('verifySignature', () => {
  it('accepts a Meta-shaped body with non-ASCII text escaped as \\uXXXX', () => {
    const body = metaSerialise(inboundWithUnicode);
    const text = Buffer.from(body).toString('ascii');
    expect(text).toContain('\\ud83d\\ude4f'); // the emoji, as a surrogate pair of escapes
    expect(text).not.toMatch(/[^\x20-\x7e]/);
    expect(verifySignature(body, metaHeader(body, SECRET), SECRET)).toBe(true);
  });

  it('fails when the JSON is re-serialised, because the bytes differ', () => {
    const body = metaSerialise(inboundWithUnicode);
    const header = metaHeader(body, SECRET);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(Buffer.from(body).toString('utf8'))), 'utf8');
    expect(verifySignature(reserialised, header, SECRET)).toBe(false);
  });

  it('signBody produces the header Meta would send', () => {
    const body = metaSerialise(inboundWithUnicode);
    expect(signBody(body, SECRET)).toBe(metaHeader(body, SECRET));
    expect(signBody('abc', SECRET)).toBe(metaHeader(Buffer.from('abc'), SECRET));
  });

  it('accepts any of several app secrets and rejects when none matches', () => {
    const body = metaSerialise(inboundWithUnicode);
    const header = metaHeader(body, 'second-app');
    expect(verifySignature(body, header, ['first-app', 'second-app'])).toBe(true);
    expect(verifySignature(body, header, ['first-app', 'third-app'])).toBe(false);
    expect(verifySignature(body, header, [])).toBe(false);
  });

  it('matchSignature says which app signed, so the caller can check that app owns the numbers', () => {
    const body = metaSerialise(inboundWithUnicode);
    expect(
      matchSignature(body, metaHeader(body, 'second-app'), ['first-app', 'second-app', 'third-app']),
    ).toBe(1);
    expect(matchSignature(body, metaHeader(body, 'first-app'), ['first-app', 'first-app'])).toBe(0);
    expect(matchSignature(body, metaHeader(body, 'other'), ['first-app', 'second-app'])).toBe(-1);
    expect(matchSignature(body, undefined, ['first-app'])).toBe(-1);
  });

  it('rejects a wrong secret, a missing header and an empty secret', () => {
    const body = metaSerialise(inboundWithUnicode);
    expect(verifySignature(body, metaHeader(body, SECRET), 'other-secret')).toBe(false);
    expect(verifySignature(body, undefined, SECRET)).toBe(false);
    // An empty key is a misconfiguration: a body "signed" with it must not pass.
    expect(verifySignature(body, metaHeader(body, ''), '')).toBe(false);
    expect(verifySignature(body, metaHeader(body, ''), ['', SECRET])).toBe(false);
  });

  it('rejects malformed headers without throwing', () => {
    const body = metaSerialise(inboundWithUnicode);
    const good = metaHeader(body, SECRET);
    const hex = good.slice('sha256='.length);
    const sha1 = 'sha1=' + createHmac('sha1', SECRET).update(body).digest('hex');
    const malformed = [
      '',
      'sha256=',
      hex, // no prefix
      sha1,
      `sha1=${hex}`,
      `SHA256=${hex}`,
      `sha256=${hex.slice(0, -1)}`, // odd length
      `sha256=${hex.slice(0, -2)}`, // 31 bytes
      `sha256=${hex}00`, // 33 bytes
      `sha256=${hex.slice(0, -1)}g`, // not hex
      `sha256= ${hex}`,
      `${good} `,
      `${good},sha256=${hex}`,
      // Uppercase hex is rejected by design: Meta sends lowercase (see README).
      `sha256=${hex.toUpperCase()}`,
    ];
    for (const header of malformed) expect(verifySignature(body, header, SECRET), header).toBe(false);
  });

  it('never throws on inputs that are not what the types promise', () => {
    const header = 'sha256=' + '0'.repeat(64);
    expect(verifySignature(null as unknown as Uint8Array, header, SECRET)).toBe(false);
    expect(verifySignature(new Uint8Array(), 42 as unknown as string, SECRET)).toBe(false);
    expect(verifySignature(new Uint8Array(), header, [undefined as unknown as string])).toBe(false);
  });

  it('property: a correct signature passes for any body and secret', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string({ minLength: 1 }), (body, secret) => {
        expect(verifySignature(body, metaHeader(body, secret), secret)).toBe(true);
      }),
    );
  });

  it('property: flipping any single byte of the body makes it fail', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 2048 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (body, at, mask) => {
          const header = metaHeader(body, SECRET);
          const tampered = Uint8Array.from(body);
          const index = at % tampered.length;
          tampered[index] = tampered[index]! ^ mask;
          expect(verifySignature(tampered, header, SECRET)).toBe(false);
        },
      ),
    );
  });

  it('property: flipping any bit of a Meta-serialised body makes it fail', () => {
    const body = metaSerialise(inboundWithUnicode);
    const header = metaHeader(body, SECRET);
    fc.assert(
      fc.property(fc.nat({ max: body.length - 1 }), fc.nat({ max: 7 }), (index, bit) => {
        const tampered = Uint8Array.from(body);
        tampered[index] = tampered[index]! ^ (1 << bit);
        expect(verifySignature(tampered, header, SECRET)).toBe(false);
      }),
    );
  });

  it('property: changing any hex digit of the header makes it fail', () => {
    const body = metaSerialise(inboundWithUnicode);
    const hex = metaHeader(body, SECRET).slice('sha256='.length);
    fc.assert(
      fc.property(fc.nat({ max: 63 }), fc.constantFrom(...'0123456789abcdef'), (index, digit) => {
        fc.pre(hex[index] !== digit);
        const changed = hex.slice(0, index) + digit + hex.slice(index + 1);
        expect(verifySignature(body, `sha256=${changed}`, SECRET)).toBe(false);
      }),
    );
  });
});
