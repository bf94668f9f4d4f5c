// A patient's text message. Further kinds (button and list replies, media, location, reactions)
// are modules like this one: the request fields they add and the webhook message object they build.
import { z } from 'zod';

export const inboundTextFields = {
  type: z.literal('text').default('text'),
  /** WhatsApp lets users send up to 65536 characters */
  text: z.string().min(1).max(65536),
};

export function textMessageObject(request: { text: string }): { type: 'text'; text: { body: string } } {
  return { type: 'text', text: { body: request.text } };
}
