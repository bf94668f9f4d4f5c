// Restricting a conversation (a sensitive patient) or lifting it. A configuration change of
// patient data access, so it is audited (`conversation.restriction_changed`) with the new value in
// the same transaction. The caller sees the conversation as the new setting lets them see it.
import { type SetConversationRestrictionRequest, type SetConversationRestrictionResponse } from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { getConversation, setRestricted } from '../db/conversations';
import { conversationNotFound } from '../domain/errors';
import { conversationAccess, viewAccess } from './access';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { conversationView } from './views';

export type SetConversationRestriction = (
  caller: TenantCaller,
  request: SetConversationRestrictionRequest,
) => Promise<SetConversationRestrictionResponse>;

export function createSetConversationRestriction(deps: UseCaseDeps): SetConversationRestriction {
  return async (caller, request) => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const result = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const now = deps.clock();
      const resource = { type: 'conversation', id: request.conversationId.toLowerCase() };
      const before = await getConversation(client, caller.tenantId, request.conversationId, { lock: true });
      if (before === undefined) {
        await recordAudit(client, caller, {
          action: AUDIT_ACTIONS.setConversationRestriction,
          resource,
          outcome: 'failure',
          detail: { reason: 'conversation_not_found' },
          at: now,
        });
        return undefined;
      }
      await setRestricted(client, caller.tenantId, before.id, request.restricted, now);
      const after = { ...before, restricted: request.restricted };
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.setConversationRestriction,
        resource,
        patient: { waIdHash: before.wa_id_hash, patientId: before.patient_id },
        outcome: 'success',
        detail: { restricted: String(request.restricted), was_restricted: String(before.restricted) },
        at: now,
      });
      return { row: after, access: await conversationAccess(client, caller, after, now) };
    });
    if (result === undefined) throw conversationNotFound();
    return { conversation: await conversationView(deps.atRest, result.row, viewAccess(result.access)) };
  };
}
