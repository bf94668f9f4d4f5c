// Every use-case of messaging, built once from the same dependencies.
import { isUuid } from '@careline/db';
import { createApplyMessageStatus } from './apply-message-status';
import { AUDIT_ACTIONS } from './audit';
import { createAuthorize, guarded } from './authorize';
import { type UseCaseDeps } from './deps';
import { createGetConversation } from './get-conversation';
import { createListConversations } from './list-conversations';
import { createListMessages } from './list-messages';
import { createReceivePatientMessage } from './receive-patient-message';
import { createRecordOutboundResult } from './record-outbound-result';
import { createSendText } from './send-text';

export function createMessagingUseCases(deps: UseCaseDeps) {
  const authorize = createAuthorize(deps);
  // a malformed id is not copied into the audit log (it could be anything a caller typed)
  const conversation = (id: string) => ({ type: 'conversation', id: isUuid(id) ? id.toLowerCase() : '' });
  return {
    receivePatientMessage: createReceivePatientMessage(deps),
    applyMessageStatus: createApplyMessageStatus(deps),
    recordOutboundResult: createRecordOutboundResult(deps),
    // what staff call (through api): each checks the permission table again, see authorize.ts
    listConversations: guarded(
      authorize,
      () => ({ permission: 'conversations:read', action: AUDIT_ACTIONS.listConversations, resource: { type: 'conversation_list', id: '' } }),
      createListConversations(deps),
    ),
    getConversation: guarded(
      authorize,
      (request) => ({ permission: 'conversations:read', action: AUDIT_ACTIONS.getConversation, resource: conversation(request.conversationId) }),
      createGetConversation(deps),
    ),
    listMessages: guarded(
      authorize,
      (request) => ({ permission: 'conversations:read', action: AUDIT_ACTIONS.listMessages, resource: conversation(request.conversationId) }),
      createListMessages(deps),
    ),
    sendText: guarded(
      authorize,
      (request) => ({ permission: 'messages:send', action: AUDIT_ACTIONS.sendText, resource: conversation(request.conversationId) }),
      createSendText(deps),
    ),
  };
}

export type MessagingUseCases = ReturnType<typeof createMessagingUseCases>;
export { type EventContext, type UseCaseDeps } from './deps';
export { type TenantCaller, requireTenantCaller } from './caller';
