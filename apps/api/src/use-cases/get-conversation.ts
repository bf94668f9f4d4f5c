import type { Principal } from '@careline/auth';
import { internalError } from '@careline/runtime';
import { callerOf } from '../auth/principal';
import { type ConversationView, toConversationView } from '../schemas/conversations';
import { type InboxDeps, assertSameTenant } from './deps';

/** One conversation of the caller's tenant; another tenant's id is NOT_FOUND at messaging (→ 404). */
export function createGetConversation({ messaging, clock }: InboxDeps) {
  return async function getConversation(
    principal: Principal,
    conversationId: string,
  ): Promise<ConversationView> {
    const { conversation } = await messaging.getConversation(callerOf(principal), { conversationId });
    if (conversation === undefined) {
      throw internalError('upstream_invalid_response', 'messaging answered without the conversation.');
    }
    assertSameTenant(principal, conversation);
    return toConversationView(conversation, clock());
  };
}
