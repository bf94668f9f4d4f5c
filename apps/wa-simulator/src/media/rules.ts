// Meta's media rules (fact sheet section 6): which MIME types each kind of media may have and how
// large it may be. Sizes are in binary megabytes (5 MB = 5 × 1024 × 1024 bytes); Meta does not
// say which it means, and the binary reading is the more generous one. A WebP is an animated
// sticker when it carries an `ANIM` chunk (RIFF layout), which raises its limit from 100 KB to
// 500 KB.

export const MEDIA_KINDS = ['audio', 'document', 'image', 'sticker', 'video'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

const KB = 1024;
const MB = 1024 * KB;

export const MEDIA_RULES: Readonly<Record<MediaKind, { mimeTypes: readonly string[]; maxBytes: number }>> = {
  audio: {
    mimeTypes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'],
    maxBytes: 16 * MB,
  },
  document: {
    mimeTypes: [
      'text/plain',
      'application/pdf',
      'application/msword',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.ms-excel',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    maxBytes: 100 * MB,
  },
  image: { mimeTypes: ['image/jpeg', 'image/png'], maxBytes: 5 * MB },
  // 100 KB static; animated ones may have 500 KB (see `maxBytesFor`)
  sticker: { mimeTypes: ['image/webp'], maxBytes: 100 * KB },
  video: { mimeTypes: ['video/mp4', 'video/3gpp'], maxBytes: 16 * MB },
};

export const ANIMATED_STICKER_MAX_BYTES = 500 * KB;

/** `audio/ogg; codecs=opus` → `audio/ogg` */
export function baseMimeType(mimeType: string): string {
  return mimeType.split(';')[0]!.trim().toLowerCase();
}

/** The kind an uploaded file of this MIME type is, or undefined when Meta takes no such file. */
export function kindOfMimeType(mimeType: string): MediaKind | undefined {
  const base = baseMimeType(mimeType);
  for (const kind of MEDIA_KINDS) if (MEDIA_RULES[kind].mimeTypes.includes(base)) return kind;
  return undefined;
}

/** An animated WebP has an `ANIM` chunk after the RIFF/WEBP/VP8X header. */
export function isAnimatedWebp(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 4) !== 'RIFF' || ascii(8, 12) !== 'WEBP') return false;
  // chunks: fourcc (4) + little-endian size (4) + payload padded to even length
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const fourcc = ascii(offset, offset + 4);
    if (fourcc === 'ANIM') return true;
    // `>>> 0`: a size with the top bit set must stay a large unsigned number (a negative one would
    // move the offset backwards and loop for ever on a malformed file)
    const size =
      (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)) >>> 0;
    offset += 8 + size + (size % 2);
  }
  return false;
}

export function maxBytesFor(kind: MediaKind, bytes: Uint8Array): number {
  if (kind === 'sticker' && isAnimatedWebp(bytes)) return ANIMATED_STICKER_MAX_BYTES;
  return MEDIA_RULES[kind].maxBytes;
}

/** Why a file cannot be `kind` media, or null when it can. Never names the file's content. */
export function mediaProblem(kind: MediaKind, mimeType: string, bytes: Uint8Array): string | null {
  const base = baseMimeType(mimeType);
  if (!MEDIA_RULES[kind].mimeTypes.includes(base))
    return `${kind} media must be one of ${MEDIA_RULES[kind].mimeTypes.join(', ')}; got ${base || 'no type'}`;
  const max = maxBytesFor(kind, bytes);
  if (bytes.length > max) return `${kind} media may have at most ${max} bytes; got ${bytes.length}`;
  if (bytes.length === 0) return `${kind} media is empty`;
  return null;
}

/** A reference to media in a message: an uploaded id or a link, as the business wrote it. */
export interface MediaRef {
  kind: MediaKind;
  id: string | null;
  link: string | null;
  caption: string | null;
  filename: string | null;
}
