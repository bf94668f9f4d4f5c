import { z } from 'zod';
import { characterCount, parseParams } from '../params';
import type { OutboundType } from './types';

export const TEXT_BODY_MAX = 4096;

const TextRequest = z.object({
  text: z.object({
    body: z
      .string()
      .min(1)
      .refine((body) => characterCount(body) <= TEXT_BODY_MAX, {
        params: {
          metaCode: 131009,
          details: `Param text['body'] must be at most ${TEXT_BODY_MAX} characters long.`,
        },
      }),
    preview_url: z.boolean().optional(),
  }),
});

export const textMessage: OutboundType = {
  type: 'text',
  needsOpenWindow: true,
  parse: (body) => ({ content: parseParams(TextRequest, body).text }),
};
