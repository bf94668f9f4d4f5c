// A conversation's messages, newest first (messaging.proto: the next page holds older ones), with
// their contents opened for the response. Audited (`messages.read`, resource the conversation, the
// message ids shown in `detail.message_ids`) in the read's transaction; an unknown conversation is
// audited as a failure (`conversation_not_found`).
import { type ListMessagesRequest, type ListMessagesResponse } from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { getConversation } from '../db/conversations';
import { listMessages } from '../db/messages';
import { breakGlassRequired, conversationNotFound } from '../domain/errors';
import { conversationAccess, grantDetail } from './access';
import { decodeCursor, pageOf, pageSize } from '../domain/paging';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { messageView } from './views';

export type ListMessages = (caller: TenantCaller, request: ListMessagesRequest) => Promise<ListMessagesResponse>;

export function createListMessages(deps: UseCaseDeps): ListMessages {
  return async (caller, request) => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const limit = pageSize(request.pageSize);
    const before = decodeCursor(request.pageToken);
    const resource = { type: 'conversation', id: request.conversationId.toLowerCase() };
    const page = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const conversation = await getConversation(client, caller.tenantId, request.conversationId);
      if (conversation === undefined) {
        await recordAudit(client, caller, {
          action: AUDIT_ACTIONS.listMessages,
          resource,
          outcome: 'failure',
          detail: { reason: 'conversation_not_found' },
          at: deps.clock(),
        });
        return undefined;
      }
      const access = await conversationAccess(client, caller, conversation, deps.clock());
      if (!access.allowed) {
        await recordAudit(client, caller, {
          action: AUDIT_ACTIONS.listMessages,
          resource,
          patient: { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id },
          outcome: 'denied',
          detail: { reason: 'break_glass_required' },
          at: deps.clock(),
        });
        return { refused: breakGlassRequired(conversation.id) };
      }
      const rows = await listMessages(client, caller.tenantId, conversation.id, { limit, before });
      const shown = pageOf(rows, limit, (row) => ({ at: row.created_at, id: row.id }));
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.listMessages,
        resource,
        patient: { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id },
        outcome: 'success',
        detail: { count: String(shown.items.length), message_ids: shown.items.map((row) => row.id).join(','), ...grantDetail(access) },
        at: deps.clock(),
      });
      return shown;
    });
    // thrown after the commit, so that the audit event of the refusal is kept
    if (page === undefined) throw conversationNotFound();
    if ('refused' in page) throw page.refused;
    return {
      messages: await Promise.all(page.items.map((row) => messageView(deps.atRest, row))),
      nextPageToken: page.nextPageToken,
    };
  };
}
