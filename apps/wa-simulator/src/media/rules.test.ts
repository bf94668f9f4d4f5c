import { describe, expect, it } from 'vitest';
import {
  ANIMATED_STICKER_MAX_BYTES,
  MEDIA_RULES,
  isAnimatedWebp,
  kindOfMimeType,
  mediaProblem,
} from './rules';

function webp(chunks: string[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(Buffer.from('RIFF'), 0);
  bytes.set(Buffer.from('WEBP'), 8);
  let offset = 12;
  for (const c of chunks) {
    bytes.set(Buffer.from(c), offset);
    // payload of 2 bytes per chunk
    bytes[offset + 4] = 2;
    offset += 10;
  }
  return bytes;
}

describe('media rules', () => {
  it('maps MIME types to kinds, ignoring parameters and case', () => {
    expect(kindOfMimeType('image/JPEG')).toBe('image');
    expect(kindOfMimeType('audio/ogg; codecs=opus')).toBe('audio');
    expect(kindOfMimeType('application/pdf')).toBe('document');
    expect(kindOfMimeType('image/webp')).toBe('sticker');
    expect(kindOfMimeType('image/gif')).toBeUndefined();
  });

  it('accepts exactly the size limit and refuses one byte more', () => {
    const max = MEDIA_RULES.image.maxBytes;
    expect(max).toBe(5 * 1024 * 1024);
    expect(mediaProblem('image', 'image/png', new Uint8Array(max))).toBeNull();
    expect(mediaProblem('image', 'image/png', new Uint8Array(max + 1))).toMatch(/at most 5242880 bytes/);
    expect(MEDIA_RULES.document.maxBytes).toBe(100 * 1024 * 1024);
    expect(MEDIA_RULES.audio.maxBytes).toBe(16 * 1024 * 1024);
    expect(MEDIA_RULES.video.maxBytes).toBe(16 * 1024 * 1024);
  });

  it('gives animated stickers 500 KB and static ones 100 KB', () => {
    const staticSticker = webp(['VP8X', 'VP8 '], 100 * 1024 + 1);
    const animated = webp(['VP8X', 'ANIM'], ANIMATED_STICKER_MAX_BYTES);
    expect(isAnimatedWebp(staticSticker)).toBe(false);
    expect(isAnimatedWebp(animated)).toBe(true);
    expect(mediaProblem('sticker', 'image/webp', staticSticker)).toMatch(/at most 102400/);
    expect(mediaProblem('sticker', 'image/webp', animated)).toBeNull();
    expect(mediaProblem('sticker', 'image/webp', webp(['ANIM'], ANIMATED_STICKER_MAX_BYTES + 1))).toMatch(
      /at most 512000/,
    );
  });

  it('ends on a malformed chunk size with the top bit set instead of looping for ever', () => {
    const bytes = new Uint8Array(64);
    bytes.set(new TextEncoder().encode('RIFF'), 0);
    bytes.set(new TextEncoder().encode('WEBP'), 8);
    bytes.set(new TextEncoder().encode('VP8X'), 12);
    bytes.set([0x00, 0x00, 0x00, 0xff], 16); // size 0xff000000: negative as a signed int32
    expect(isAnimatedWebp(bytes)).toBe(false);
  });

  it('refuses a MIME type the kind does not take', () => {
    expect(mediaProblem('image', 'application/pdf', new Uint8Array(10))).toMatch(
      /image media must be one of/,
    );
    expect(mediaProblem('document', 'application/zip', new Uint8Array(10))).toMatch(/document media/);
  });
});
