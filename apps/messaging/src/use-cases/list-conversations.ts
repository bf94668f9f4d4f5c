// The inbox: the caller's tenant's conversations, most recent activity first, keyset-paged.
import { type ListConversationsRequest, type ListConversationsResponse } from '@careline/contracts';
import { withTenant } from '@careline/db';
import { listConversations } from '../db/conversations';
import { decodeCursor, pageOf, pageSize } from '../domain/paging';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { conversationView } from './views';

export type ListConversations = (caller: TenantCaller, request: ListConversationsRequest) => Promise<ListConversationsResponse>;

export function createListConversations(deps: UseCaseDeps): ListConversations {
  return async (caller, request) => {
    const limit = pageSize(request.pageSize);
    const after = decodeCursor(request.pageToken);
    const rows = await withTenant(deps.pool, caller.tenantId, (client) =>
      listConversations(client, caller.tenantId, { limit, after }),
    );
    const page = pageOf(rows, limit, (row) => ({ at: row.last_message_at, id: row.id }));
    return {
      conversations: await Promise.all(page.items.map((row) => conversationView(deps.atRest, row))),
      nextPageToken: page.nextPageToken,
    };
  };
}
