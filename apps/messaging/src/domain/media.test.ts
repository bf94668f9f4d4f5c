import { MessageMediaKind, MessageMediaState } from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MEDIA_FETCH_POLICY, mediaMimeType, nextAttemptAt, withMediaState } from './media';

const now = new Date('2026-01-01T00:00:00Z');
const policy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 3000, leaseMs: 10_000 };

describe('nextAttemptAt', () => {
  it('backs off exponentially up to the cap, then gives up after the last attempt', () => {
    const delays = [1, 2, 3].map((attempts) => (nextAttemptAt(policy, attempts, true, now)?.getTime() ?? 0) - now.getTime());
    expect(delays).toEqual([1000, 2000, 3000]);
    expect(nextAttemptAt(policy, 4, true, now)).toBeNull();
  });

  it('gives up at once on a failure retrying cannot fix', () => {
    expect(nextAttemptAt(policy, 1, false, now)).toBeNull();
  });

  it('by default tries for minutes, not forever', () => {
    expect(DEFAULT_MEDIA_FETCH_POLICY.maxAttempts).toBeGreaterThan(3);
    expect(nextAttemptAt(DEFAULT_MEDIA_FETCH_POLICY, DEFAULT_MEDIA_FETCH_POLICY.maxAttempts, true, now)).toBeNull();
  });
});

describe('mediaMimeType', () => {
  const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]);
  const pdf = new TextEncoder().encode('%PDF-1.7 ...');
  const ogg = new TextEncoder().encode('OggS\0...');

  it('serves what the bytes are, not what they claim', () => {
    expect(mediaMimeType(jpeg, 'image/png')).toBe('image/jpeg');
    expect(mediaMimeType(pdf, 'text/html')).toBe('application/pdf');
    expect(mediaMimeType(ogg, 'audio/ogg; codecs=opus')).toBe('audio/ogg');
  });

  it('keeps a well-formed declared type for formats it cannot recognise, else octet-stream', () => {
    expect(mediaMimeType(Uint8Array.from([0x50, 0x4b, 3, 4]), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(mediaMimeType(Uint8Array.from([1, 2, 3]), 'text/html; charset=utf-8')).toBe('text/html');
    expect(mediaMimeType(Uint8Array.from([1, 2, 3]), '<script>')).toBe('application/octet-stream');
  });
});

describe('withMediaState', () => {
  const media = {
    $case: 'media' as const,
    value: { kind: MessageMediaKind.MESSAGE_MEDIA_KIND_IMAGE, mimeType: 'image/png', caption: 'c', filename: '', mediaRef: '', state: MessageMediaState.MESSAGE_MEDIA_STATE_UNSPECIFIED, sizeBytes: 0 },
  };

  it('gives a ref and size only once the bytes are stored', () => {
    const pending = withMediaState(media, { id: 'm1', state: 'pending', sizeBytes: null, mimeType: null });
    expect(pending.$case === 'media' && pending.value).toMatchObject({ state: MessageMediaState.MESSAGE_MEDIA_STATE_PENDING, mediaRef: '' });
    const stored = withMediaState(media, { id: 'm1', state: 'stored', sizeBytes: 42, mimeType: 'image/jpeg' });
    expect(stored.$case === 'media' && stored.value).toMatchObject({
      state: MessageMediaState.MESSAGE_MEDIA_STATE_STORED,
      mediaRef: 'm1',
      sizeBytes: 42,
      mimeType: 'image/jpeg',
      caption: 'c',
    });
    const failed = withMediaState(media, { id: 'm1', state: 'failed', sizeBytes: null, mimeType: null });
    expect(failed.$case === 'media' && failed.value.state).toBe(MessageMediaState.MESSAGE_MEDIA_STATE_FAILED);
  });

  it('leaves other contents alone', () => {
    const text = { $case: 'text' as const, value: { body: 'hi' } };
    expect(withMediaState(text, { id: 'm1', state: 'stored', sizeBytes: 1, mimeType: 'x/y' })).toBe(text);
  });
});
