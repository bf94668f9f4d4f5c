import { z } from 'zod';
import { ControlError } from '../../control/errors';
import type { InboundKind } from './types';

export const locationFields = {
  type: z.literal('location'),
  location: z.strictObject({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: z.string().min(1).max(1024).optional(),
    address: z.string().min(1).max(1024).optional(),
    url: z.url().optional(),
  }),
};

/** A shared location (or place); latitude and longitude are numbers, as Meta sends them. */
export const locationKind: InboundKind<z.infer<z.ZodObject<typeof locationFields>>> = {
  type: 'location',
  fields: locationFields,
  build: (request) => ({ type: 'location', location: request.location }),
};

export const reactionFields = {
  type: z.literal('reaction'),
  reaction: z.strictObject({
    message_id: z.string().min(1),
    /** an empty emoji removes the patient's reaction (the webhook then has none) */
    emoji: z.string().max(16),
  }),
};

/** A reaction to a message of the chat. */
export const reactionKind: InboundKind<z.infer<z.ZodObject<typeof reactionFields>>> = {
  type: 'reaction',
  fields: reactionFields,
  build(request, context) {
    const { message_id: id, emoji } = request.reaction;
    const outbound = context.store.outbound.get(id);
    const inbound = context.store.inbound.get(id);
    const inChat =
      (outbound?.phone_number_id === context.business.phone_number_id && outbound.wa_id === context.waId) ||
      (inbound?.phone_number_id === context.business.phone_number_id && inbound.from === context.waId);
    if (!inChat)
      throw new ControlError(422, 'unknown_message', 'reaction.message_id is not a message of this chat');
    return { type: 'reaction', reaction: { message_id: id, ...(emoji === '' ? {} : { emoji }) } };
  },
};
