// A patient's media bytes for a member of staff: messaging checks the permission again, audits
// the read (`media.read`) and decrypts; the api only passes them on with safe headers.
import type { Principal } from '@careline/auth';
import { callerOf } from '../auth/principal';
import type { InboxDeps } from './deps';

export interface MediaDownload {
  content: Buffer;
  /** Sniffed by messaging from the bytes (else as declared). */
  mimeType: string;
  /** The name to save it under: the patient's file name (documents), else one made from the id. */
  filename: string;
}

export function createGetMedia({ messaging }: Pick<InboxDeps, 'messaging'>) {
  return async function getMedia(principal: Principal, conversationId: string, messageId: string): Promise<MediaDownload> {
    const response = await messaging.getMedia(callerOf(principal), { conversationId, messageId });
    const mimeType = /^[a-z]+\/[a-z0-9.+-]+$/.test(response.mimeType) ? response.mimeType : 'application/octet-stream';
    return {
      content: Buffer.from(response.content.buffer, response.content.byteOffset, response.content.byteLength),
      mimeType,
      filename: response.filename === '' ? `media-${messageId}${extensionOf(mimeType)}` : response.filename,
    };
  };
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'application/pdf': '.pdf',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/amr': '.amr',
  'audio/mp4': '.m4a',
  'video/mp4': '.mp4',
  'video/3gpp': '.3gp',
};

function extensionOf(mimeType: string): string {
  return EXTENSIONS[mimeType] ?? '';
}

/**
 * RFC 6266 `attachment` with an ASCII fallback and the exact name in `filename*` (RFC 8187), so a
 * name with quotes, semicolons, line breaks or non-ASCII cannot break out of the header.
 */
export function contentDisposition(filename: string): string {
  const base = filename.replace(/[\\/]/g, '_');
  const ascii = base.replace(/[^\x20-\x7e]|["\\%;]/g, '_').slice(0, 150) || 'media';
  const encoded = encodeURIComponent(base).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
