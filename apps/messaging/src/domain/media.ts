// Rules of patient media: what the bytes are (sniffed, so a file that lies about its type is served
// as what it is), when a failed fetch is tried again, and how the media row's state shows in the
// message's content.
import { MessageMediaState } from '@careline/contracts';
import { type MessageContent } from './content';

export const MEDIA_STATES = ['pending', 'stored', 'failed'] as const;
export type MediaStateName = (typeof MEDIA_STATES)[number];

export interface MediaFetchPolicy {
  /** Attempts in total before the media is `failed` for good. */
  maxAttempts: number;
  /** Delay before the 2nd attempt; doubled for each further one. */
  baseDelayMs: number;
  /** Cap of one delay. */
  maxDelayMs: number;
  /** How long one claimed attempt may take before another worker may take the row again. */
  leaseMs: number;
}

export const DEFAULT_MEDIA_FETCH_POLICY: MediaFetchPolicy = {
  // 2 s, 4 s, 8 s … capped at 5 min: about 20 minutes in all, well inside the 7 days Meta keeps
  // a webhook's media id
  maxAttempts: 10,
  baseDelayMs: 2_000,
  maxDelayMs: 300_000,
  leaseMs: 120_000,
};

/**
 * When to try again after `attempts` attempts have failed, or null to give up. Non-retryable
 * failures (Meta does not have it, too large) give up at once.
 */
export function nextAttemptAt(policy: MediaFetchPolicy, attempts: number, retryable: boolean, now: Date): Date | null {
  if (!retryable || attempts >= policy.maxAttempts) return null;
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return new Date(now.getTime() + delay);
}

/** The formats WhatsApp carries, recognised by their first bytes. */
const SIGNATURES: readonly { mime: string; test: (b: Uint8Array) => boolean }[] = [
  { mime: 'image/jpeg', test: (b) => starts(b, [0xff, 0xd8, 0xff]) },
  { mime: 'image/png', test: (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { mime: 'image/webp', test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') },
  { mime: 'image/gif', test: (b) => ascii(b, 0, 'GIF8') },
  { mime: 'application/pdf', test: (b) => ascii(b, 0, '%PDF-') },
  { mime: 'audio/ogg', test: (b) => ascii(b, 0, 'OggS') },
  { mime: 'audio/amr', test: (b) => ascii(b, 0, '#!AMR') },
  { mime: 'audio/mpeg', test: (b) => ascii(b, 0, 'ID3') || starts(b, [0xff, 0xfb]) },
  { mime: 'video/3gpp', test: (b) => ascii(b, 4, 'ftyp3g') },
  { mime: 'video/mp4', test: (b) => ascii(b, 4, 'ftyp') },
];

/**
 * The MIME type to serve: the sniffed one when the bytes are a known format, else the declared
 * one (without parameters) when it looks like a MIME type, else `application/octet-stream`.
 * Office documents (zip containers) and plain text cannot be told apart by their first bytes, so
 * they keep the declared type.
 */
export function mediaMimeType(content: Uint8Array, declared: string): string {
  const sniffed = SIGNATURES.find((signature) => signature.test(content));
  const declaredBase = declared.split(';')[0]?.trim().toLowerCase() ?? '';
  if (sniffed) {
    // an MP4 container declared as audio (WhatsApp's audio/mp4) stays audio
    if (sniffed.mime === 'video/mp4' && declaredBase === 'audio/mp4') return declaredBase;
    return sniffed.mime;
  }
  return /^[a-z]+\/[a-z0-9.+-]+$/.test(declaredBase) ? declaredBase : 'application/octet-stream';
}

function starts(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((value, index) => bytes[index] === value);
}

function ascii(bytes: Uint8Array, offset: number, text: string): boolean {
  return [...text].every((char, index) => bytes[offset + index] === char.charCodeAt(0));
}

const STATE: Record<MediaStateName, MessageMediaState> = {
  pending: MessageMediaState.MESSAGE_MEDIA_STATE_PENDING,
  stored: MessageMediaState.MESSAGE_MEDIA_STATE_STORED,
  failed: MessageMediaState.MESSAGE_MEDIA_STATE_FAILED,
};

/** The message content with the media row's state (and, once stored, its ref and size). */
export function withMediaState(
  content: MessageContent,
  media: { id: string; state: MediaStateName; sizeBytes: number | null; mimeType: string | null },
): MessageContent {
  if (content.$case !== 'media') return content;
  const stored = media.state === 'stored';
  return {
    $case: 'media',
    value: {
      ...content.value,
      state: STATE[media.state],
      mediaRef: stored ? media.id : '',
      sizeBytes: stored ? (media.sizeBytes ?? 0) : 0,
      mimeType: stored && media.mimeType !== null ? media.mimeType : content.value.mimeType,
    },
  };
}
