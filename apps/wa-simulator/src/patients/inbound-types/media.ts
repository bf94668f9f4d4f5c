// A patient sends a photo, document, voice note, video or sticker: the file goes into the media
// store (7 days, readable by the business's tokens) and the webhook carries its id, MIME type,
// SHA-256 (base64, as Meta's webhooks carry it) and caption or filename.
import { z } from 'zod';
import { ControlError } from '../../control/errors';
import { sha256Base64 } from '../../media/library';
import { MEDIA_KINDS, isAnimatedWebp, type MediaKind } from '../../media/rules';
import type { InboundKind } from './types';

const MediaFile = z.strictObject({
  /** the file, base64-encoded */
  data_base64: z.string().min(1),
  mime_type: z.string().regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, 'a MIME type such as image/jpeg'),
  filename: z.string().min(1).max(240).optional(),
});

function fieldsOf<K extends MediaKind>(kind: K) {
  return {
    type: z.literal(kind),
    media: MediaFile,
    caption: z.string().max(1024).optional(),
    /** audio only: a voice note recorded in WhatsApp */
    voice: z.boolean().optional(),
  };
}

type MediaRequest = z.infer<z.ZodObject<ReturnType<typeof fieldsOf>>>;

function mediaKind(kind: MediaKind): InboundKind<MediaRequest> {
  return {
    type: kind,
    fields: fieldsOf(kind),
    build(request, context) {
      if (request.caption !== undefined && (kind === 'audio' || kind === 'sticker'))
        throw new ControlError(400, 'invalid_request', `${kind} messages have no caption`);
      if (request.voice !== undefined && kind !== 'audio')
        throw new ControlError(400, 'invalid_request', 'only audio messages are voice notes');
      const bytes = Buffer.from(request.media.data_base64, 'base64');
      let item;
      try {
        item = context.media.storeFromPatient(context.business, kind, {
          bytes,
          mimeType: request.media.mime_type,
          filename: request.media.filename ?? null,
        });
      } catch (error) {
        throw new ControlError(
          400,
          'invalid_media',
          error instanceof Error ? error.message : 'invalid media',
        );
      }
      const core = { mime_type: item.mime_type, sha256: sha256Base64(item), id: item.id };
      const caption = request.caption === undefined ? {} : { caption: request.caption };
      switch (kind) {
        case 'image':
        case 'video':
          return { type: kind, [kind]: { ...caption, ...core } };
        case 'document':
          return {
            type: kind,
            document: { filename: request.media.filename ?? 'document', ...core, ...caption },
          };
        case 'audio':
          return { type: kind, audio: { ...core, voice: request.voice ?? false } };
        case 'sticker':
          return { type: kind, sticker: { ...core, animated: isAnimatedWebp(bytes) } };
      }
    },
  };
}

export const mediaKinds: readonly InboundKind<MediaRequest>[] = MEDIA_KINDS.map(mediaKind);
