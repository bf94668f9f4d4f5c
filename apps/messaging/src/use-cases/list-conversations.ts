// The inbox: the caller's tenant's conversations, most recent activity first, keyset-paged. One
// audit event for the page (`conversation.list`, resource `conversation_list`, no patient: the
// page spans patients; the conversation ids shown are in `detail.conversation_ids`), written in
// the read's transaction.
import { type ListConversationsRequest, type ListConversationsResponse } from '@careline/contracts';
import { withTenant } from '@careline/db';
import { activeGrants } from '../db/break-glass';
import { listConversations } from '../db/conversations';
import { decodeCursor, pageOf, pageSize } from '../domain/paging';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { conversationFilters } from '../inbox/filters';
import { conversationView } from './views';

export type ListConversations = (caller: TenantCaller, request: ListConversationsRequest) => Promise<ListConversationsResponse>;

export function createListConversations(deps: UseCaseDeps): ListConversations {
  return async (caller, request) => {
    const limit = pageSize(request.pageSize);
    const after = decodeCursor(request.pageToken);
    const filters = conversationFilters(request.filter);
    const page = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const rows = await listConversations(client, caller.tenantId, { limit, after }, filters);
      const shown = pageOf(rows, limit, (row) => ({ at: row.last_message_at, id: row.id }));
      const restricted = shown.items.filter((row) => row.restricted).map((row) => row.id);
      const grants = await activeGrants(client, caller.tenantId, caller.actor, restricted, deps.clock());
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.listConversations,
        resource: { type: 'conversation_list', id: '' },
        outcome: 'success',
        detail: { count: String(shown.items.length), conversation_ids: shown.items.map((row) => row.id).join(',') },
        at: deps.clock(),
      });
      return { ...shown, grants };
    });
    return {
      // a restricted conversation without the caller's grant is listed, but without name, number
      // or preview (see conversationView): the inbox still shows that the patient wrote
      conversations: await Promise.all(
        page.items.map((row) => {
          const grant = page.grants.get(row.id);
          return conversationView(deps.atRest, row, { ...(grant === undefined ? {} : { breakGlassUntil: grant.expires_at }), now: deps.clock() });
        }),
      ),
      nextPageToken: page.nextPageToken,
    };
  };
}
