// A patient's text message. "STOP" is just text too: Careline decides what it means.
import { z } from 'zod';
import type { InboundKind } from './types';

export const textFields = {
  type: z.literal('text'),
  /** WhatsApp lets users send up to 65536 characters */
  text: z.string().min(1).max(65536),
};

/** kept for callers of the first version */
export const inboundTextFields = { ...textFields, type: textFields.type.default('text') };

export function textMessageObject(request: { text: string }): { type: 'text'; text: { body: string } } {
  return { type: 'text', text: { body: request.text } };
}

export const textKind: InboundKind<z.infer<z.ZodObject<typeof textFields>>> = {
  type: 'text',
  fields: textFields,
  build: (request) => textMessageObject(request),
};
