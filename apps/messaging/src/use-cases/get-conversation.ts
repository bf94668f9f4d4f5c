// One conversation of the caller's tenant. Another tenant's id is NOT_FOUND like any unknown id:
// the answer must not reveal that it exists elsewhere. Audited (`conversation.read`) in the read's
// transaction; an id that matches nothing is audited too (outcome failure, reason
// `conversation_not_found`), so probing for ids leaves a trace.
import { type GetConversationRequest, type GetConversationResponse } from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { getConversation } from '../db/conversations';
import { conversationNotFound } from '../domain/errors';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { conversationView } from './views';

export type GetConversation = (caller: TenantCaller, request: GetConversationRequest) => Promise<GetConversationResponse>;

export function createGetConversation(deps: UseCaseDeps): GetConversation {
  return async (caller, request) => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const row = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const found = await getConversation(client, caller.tenantId, request.conversationId);
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.getConversation,
        resource: { type: 'conversation', id: request.conversationId.toLowerCase() },
        ...(found === undefined
          ? { outcome: 'failure', detail: { reason: 'conversation_not_found' } }
          : { outcome: 'success', patient: { waIdHash: found.wa_id_hash, patientId: found.patient_id } }),
        at: deps.clock(),
      });
      return found;
    });
    // thrown after the commit, so that the audit event of the refusal is kept
    if (row === undefined) throw conversationNotFound();
    return { conversation: await conversationView(deps.atRest, row) };
  };
}
