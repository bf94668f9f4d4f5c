// A conversation's messages, newest first (messaging.proto: the next page holds older ones), with
// their contents opened for the response.
import { type ListMessagesRequest, type ListMessagesResponse } from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { getConversation } from '../db/conversations';
import { listMessages } from '../db/messages';
import { conversationNotFound } from '../domain/errors';
import { decodeCursor, pageOf, pageSize } from '../domain/paging';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { messageView } from './views';

export type ListMessages = (caller: TenantCaller, request: ListMessagesRequest) => Promise<ListMessagesResponse>;

export function createListMessages(deps: UseCaseDeps): ListMessages {
  return async (caller, request) => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const limit = pageSize(request.pageSize);
    const before = decodeCursor(request.pageToken);
    const rows = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const conversation = await getConversation(client, caller.tenantId, request.conversationId);
      if (conversation === undefined) throw conversationNotFound();
      return listMessages(client, caller.tenantId, conversation.id, { limit, before });
    });
    const page = pageOf(rows, limit, (row) => ({ at: row.created_at, id: row.id }));
    return {
      messages: await Promise.all(page.items.map((row) => messageView(deps.atRest, row))),
      nextPageToken: page.nextPageToken,
    };
  };
}
