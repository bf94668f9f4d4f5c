// GET /v1/conversations/{id}/messages/{messageId}/media: the bytes a patient sent (photo,
// document, voice note …), decrypted by messaging, which audits the read (`media.read`). The
// response is a download, never rendered inline: Content-Disposition attachment, the type
// sniffed from the bytes, `nosniff`, and no caching anywhere (it is patient data).
import { z } from 'zod';
import type { Router } from '../http/router';
import { resourceId } from '../schemas/common';
import { contentDisposition, type createGetMedia } from '../use-cases/get-media';

export const mediaParamsSchema = z.object({
  id: resourceId().meta({ description: 'The conversation id.' }),
  messageId: resourceId().meta({ description: 'The id of a media message of the conversation.' }),
});

export function registerMediaRoutes(router: Router, getMedia: ReturnType<typeof createGetMedia>): void {
  router.route({
    method: 'GET',
    path: '/v1/conversations/{id}/messages/{messageId}/media',
    operationId: 'getMessageMedia',
    summary: 'Download the media of a message',
    description:
      "The photo, video, audio, document or sticker a patient sent, as stored encrypted by Careline after fetching it from WhatsApp. `Content-Type` is the type sniffed from the bytes (else as WhatsApp declared it); always a download (`Content-Disposition: attachment`), never cached. Each download is an audit event (`media.read`). The message's `content.mediaState` says whether it can be downloaded yet.",
    tags: ['conversations'],
    access: { permission: 'conversations:read' },
    upstream: true,
    params: mediaParamsSchema,
    problems: [
      {
        status: 404,
        description:
          "`conversation_not_found`: no such conversation in the caller's tenant. `media_not_found`: the conversation has no media message with this id.",
      },
      {
        status: 409,
        description:
          '`media_pending`: not fetched from WhatsApp yet (`mediaState: pending`), try again shortly. `media_unavailable`: it could not be fetched (`mediaState: failed`).',
      },
      { status: 403, description: '`break_glass_required`: the conversation is restricted.' },
    ],
    response: {
      status: 200,
      description: 'The media bytes (`Content-Type` as sniffed: image/jpeg, application/pdf, audio/ogg …).',
      schema: z.instanceof(Buffer),
      contentType: 'application/octet-stream',
    },
    handler: async ({ principal, params, reply }) => {
      const media = await getMedia(principal, params.id, params.messageId);
      void reply.header('content-type', media.mimeType);
      void reply.header('content-disposition', contentDisposition(media.filename));
      void reply.header('cache-control', 'no-store');
      void reply.header('x-content-type-options', 'nosniff');
      return media.content;
    },
  });
}
