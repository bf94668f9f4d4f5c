import { describe, expect, it } from 'vitest';
import { sniffContentType } from './sniff';

const bytes = (...values: (number | string)[]): Uint8Array =>
  Uint8Array.from(values.flatMap((v) => (typeof v === 'string' ? [...Buffer.from(v, 'latin1')] : [v])));

describe('sniffContentType', () => {
  it('recognises PDF, PNG, JPEG and WebP by their magic bytes', () => {
    expect(sniffContentType(bytes('%PDF-1.7\n'))).toBe('application/pdf');
    expect(sniffContentType(bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0))).toBe('image/png');
    expect(sniffContentType(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toBe('image/jpeg');
    expect(sniffContentType(bytes('RIFF', 0x24, 0, 0, 0, 'WEBPVP8 '))).toBe('image/webp');
  });

  it('refuses what only claims to be a document: HTML, SVG, scripts, other RIFF files, empty or truncated input', () => {
    expect(sniffContentType(bytes('<html><script>alert(1)</script>'))).toBeUndefined();
    expect(sniffContentType(bytes('<?xml version="1.0"?><svg onload="x()"/>'))).toBeUndefined();
    expect(sniffContentType(bytes('RIFF', 0x24, 0, 0, 0, 'WAVEfmt '))).toBeUndefined();
    expect(sniffContentType(bytes(' %PDF-1.7'))).toBeUndefined();
    expect(sniffContentType(new Uint8Array())).toBeUndefined();
    expect(sniffContentType(bytes(0x89, 'PN'))).toBeUndefined();
    expect(sniffContentType(bytes('MZ', 0x90, 0))).toBeUndefined();
  });
});
