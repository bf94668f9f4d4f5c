// image, video, audio, document and sticker messages: one media object each (see media-object.ts).
import { z } from 'zod';
import { MEDIA_KINDS, type MediaKind } from '../../media/rules';
import { parseParams } from '../params';
import { mediaObjectSchema } from './media-object';
import type { OutboundType } from './types';

function mediaMessage(kind: MediaKind): OutboundType {
  const schema = z.object({ [kind]: mediaObjectSchema(kind) });
  return {
    type: kind,
    needsOpenWindow: true,
    parse(body) {
      const ref = parseParams(schema, body)[kind];
      const raw = (body as Record<string, unknown>)[kind];
      return { content: raw, media: ref ? [ref] : [] };
    },
  };
}

export const mediaMessages: readonly OutboundType[] = MEDIA_KINDS.map(mediaMessage);
