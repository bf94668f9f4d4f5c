// A reaction to a message of the chat (the patient's or the business's own); an empty emoji
// removes the business's earlier reaction. A message id that is not in this chat is refused.
import { z } from 'zod';
import { GraphError } from '../errors';
import { parseParams } from '../params';
import type { OutboundType } from './types';

const ReactionRequest = z.object({
  reaction: z.object({
    message_id: z.string().min(1),
    emoji: z.string().max(16),
  }),
});

export const reactionMessage: OutboundType = {
  type: 'reaction',
  needsOpenWindow: true,
  parse(body, context) {
    const { reaction } = parseParams(ReactionRequest, body);
    if (!context.isChatMessage(reaction.message_id))
      throw new GraphError(131009, {
        details: "Param reaction['message_id'] is invalid: no such message in this chat.",
      });
    return { content: reaction };
  },
};
