import type { Principal } from '@careline/auth';
import { callerOf } from '../auth/principal';
import { type PageQuery, nullIfEmpty } from '../schemas/common';
import { type ConversationView, toConversationView } from '../schemas/conversations';
import { type ConversationListQuery, toConversationFilter } from '../schemas/inbox';
import { type InboxDeps, assertSameTenant } from './deps';

export interface ConversationPage {
  items: ConversationView[];
  nextCursor: string | null;
}

/** The caller's tenant's conversations, most recent activity first. */
export function createListConversations({ messaging, clock }: InboxDeps) {
  return async function listConversations(principal: Principal, page: PageQuery | ConversationListQuery): Promise<ConversationPage> {
    const response = await messaging.listConversations(callerOf(principal), {
      pageSize: page.limit,
      pageToken: page.cursor ?? '',
      filter: 'unread' in page ? toConversationFilter(page) : undefined,
    });
    const now = clock();
    return {
      items: response.conversations.map((conversation) => {
        assertSameTenant(principal, conversation);
        return toConversationView(conversation, now);
      }),
      nextCursor: nullIfEmpty(response.nextPageToken),
    };
  };
}
