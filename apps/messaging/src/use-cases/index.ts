// Every use-case of messaging, built once from the same dependencies.
import { createApplyMessageStatus } from './apply-message-status';
import { type UseCaseDeps } from './deps';
import { createGetConversation } from './get-conversation';
import { createListConversations } from './list-conversations';
import { createListMessages } from './list-messages';
import { createReceivePatientMessage } from './receive-patient-message';
import { createRecordOutboundResult } from './record-outbound-result';
import { createSendText } from './send-text';

export function createMessagingUseCases(deps: UseCaseDeps) {
  return {
    receivePatientMessage: createReceivePatientMessage(deps),
    applyMessageStatus: createApplyMessageStatus(deps),
    recordOutboundResult: createRecordOutboundResult(deps),
    listConversations: createListConversations(deps),
    getConversation: createGetConversation(deps),
    listMessages: createListMessages(deps),
    sendText: createSendText(deps),
  };
}

export type MessagingUseCases = ReturnType<typeof createMessagingUseCases>;
export { type EventContext, type UseCaseDeps } from './deps';
export { type TenantCaller, requireTenantCaller } from './caller';
