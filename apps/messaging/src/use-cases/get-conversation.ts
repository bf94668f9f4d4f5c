// One conversation of the caller's tenant. Another tenant's id is NOT_FOUND like any unknown id:
// the answer must not reveal that it exists elsewhere. Audited (`conversation.read`) in the read's
// transaction; an id that matches nothing is audited too (outcome failure, reason
// `conversation_not_found`), so probing for ids leaves a trace.
import { type GetConversationRequest, type GetConversationResponse } from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { getConversation } from '../db/conversations';
import { breakGlassRequired, conversationNotFound } from '../domain/errors';
import { conversationAccess, grantDetail, viewAccess } from './access';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { conversationView } from './views';

export type GetConversation = (caller: TenantCaller, request: GetConversationRequest) => Promise<GetConversationResponse>;

export function createGetConversation(deps: UseCaseDeps): GetConversation {
  return async (caller, request) => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const result = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const found = await getConversation(client, caller.tenantId, request.conversationId);
      const access = found === undefined ? undefined : await conversationAccess(client, caller, found, deps.clock());
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.getConversation,
        resource: { type: 'conversation', id: request.conversationId.toLowerCase() },
        ...(found === undefined || access === undefined
          ? { outcome: 'failure', detail: { reason: 'conversation_not_found' } }
          : {
              patient: { waIdHash: found.wa_id_hash, patientId: found.patient_id },
              ...(access.allowed
                ? { outcome: 'success', detail: grantDetail(access) }
                : { outcome: 'denied', detail: { reason: 'break_glass_required' } }),
            }),
        at: deps.clock(),
      });
      return found === undefined || access === undefined ? undefined : { row: found, access };
    });
    // thrown after the commit, so that the audit event of the refusal is kept
    if (result === undefined) throw conversationNotFound();
    if (!result.access.allowed) throw breakGlassRequired(result.row.id);
    return { conversation: await conversationView(deps.atRest, result.row, { ...viewAccess(result.access), now: deps.clock() }) };
  };
}
