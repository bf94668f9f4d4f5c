import type { Principal } from '@careline/auth';
import { callerOf } from '../auth/principal';
import { type PageQuery, nullIfEmpty } from '../schemas/common';
import { type MessageView, toMessageView } from '../schemas/messages';
import type { InboxDeps } from './deps';

export interface MessagePage {
  items: MessageView[];
  nextCursor: string | null;
}

/** A conversation's messages, newest first. */
export function createListMessages({ messaging }: Pick<InboxDeps, 'messaging'>) {
  return async function listMessages(
    principal: Principal,
    conversationId: string,
    page: PageQuery,
  ): Promise<MessagePage> {
    const response = await messaging.listMessages(callerOf(principal), {
      conversationId,
      pageSize: page.limit,
      pageToken: page.cursor ?? '',
    });
    return { items: response.messages.map(toMessageView), nextCursor: nullIfEmpty(response.nextPageToken) };
  };
}
