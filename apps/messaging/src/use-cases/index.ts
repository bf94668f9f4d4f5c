// Every use-case of messaging, built once from the same dependencies.
import { isUuid } from '@careline/db';
import { createApplyMessageStatus } from './apply-message-status';
import { AUDIT_ACTIONS } from './audit';
import { createAuthorize, guarded } from './authorize';
import { type UseCaseDeps } from './deps';
import { createInboxUseCases } from '../inbox/use-cases';
import { type WatchInbox, type WatchOptions, createWatchInbox } from '../inbox/watch';
import { createGetConversation } from './get-conversation';
import { createListConversations } from './list-conversations';
import { createListMessages } from './list-messages';
import { createReceivePatientMessage } from './receive-patient-message';
import { createRecordOutboundResult } from './record-outbound-result';
import { createBreakGlass } from './break-glass';
import { createSendText } from './send-text';
import { createSetConversationRestriction } from './set-conversation-restriction';
import { createApplyPatientPreference, createGetConsent, createSetConsent } from './consent';
import { createSendInteractive } from './send-interactive';
import { createSendTemplate, isServiceCaller } from './send-template';
import { createListTemplates, createSyncTemplates, createTemplateRegistry } from './templates';
import { createGetMedia } from './media';
import { createApplyRecordEvent } from './patient-links';
import { createApplyTemplateStatus } from './template-status';
import { createErasePatient } from './erase-patient';
import { createGetRetentionPolicy, createSetRetentionPolicy } from './retention';

export function createMessagingUseCases(deps: UseCaseDeps, options: { watch?: WatchOptions } = {}) {
  const authorize = createAuthorize(deps);
  const inbox = createInboxUseCases(deps);
  const watchInbox = createWatchInbox(deps, options.watch);
  const templates = createTemplateRegistry(deps);
  // scheduling and records send templates on their own account (actor `service:<app>`); staff need
  // the permission (templates and consent: README "Templates and consent")
  const staffOrService: typeof authorize = (caller, guard) => (isServiceCaller(caller) ? Promise.resolve() : authorize(caller, guard));
  // a malformed id is not copied into the audit log (it could be anything a caller typed)
  const conversation = (id: string) => ({ type: 'conversation', id: isUuid(id) ? id.toLowerCase() : '' });
  return {
    receivePatientMessage: createReceivePatientMessage(deps),
    applyMessageStatus: createApplyMessageStatus(deps),
    recordOutboundResult: createRecordOutboundResult(deps),
    applyRecordEvent: createApplyRecordEvent(deps),
    applyTemplateStatus: createApplyTemplateStatus(deps),
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
    setConversationRestriction: guarded(
      authorize,
      (request) => ({
        permission: 'conversations:restrict',
        action: AUDIT_ACTIONS.setConversationRestriction,
        resource: conversation(request.conversationId),
      }),
      createSetConversationRestriction(deps),
    ),
    breakGlass: guarded(
      authorize,
      (request) => ({ permission: 'break_glass', action: AUDIT_ACTIONS.breakGlass, resource: conversation(request.conversationId) }),
      createBreakGlass(deps),
    ),
    applyPatientPreference: createApplyPatientPreference(deps),
    sendTemplate: guarded(
      staffOrService,
      (request) => ({
        permission: 'messages:send',
        action: AUDIT_ACTIONS.sendTemplate,
        resource: request.recipient?.$case === 'conversationId' ? conversation(request.recipient.value) : { type: 'conversation', id: '' },
      }),
      createSendTemplate(deps, templates),
    ),
    sendInteractive: guarded(
      staffOrService,
      (request) => ({ permission: 'messages:send', action: AUDIT_ACTIONS.sendInteractive, resource: conversation(request.conversationId) }),
      createSendInteractive(deps),
    ),
    listTemplates: guarded(
      staffOrService,
      () => ({ permission: 'messages:send', action: AUDIT_ACTIONS.listTemplates, resource: { type: 'template_registry', id: '' } }),
      createListTemplates(deps),
    ),
    syncTemplates: guarded(
      staffOrService,
      () => ({ permission: 'tenant:admin', action: AUDIT_ACTIONS.syncTemplates, resource: { type: 'template_registry', id: '' } }),
      createSyncTemplates(deps, templates),
    ),
    getConsent: guarded(
      staffOrService,
      (request) => ({ permission: 'conversations:read', action: AUDIT_ACTIONS.readConsent, resource: conversation(request.conversationId) }),
      createGetConsent(deps),
    ),
    setConsent: guarded(
      staffOrService,
      (request) => ({ permission: 'messages:send', action: AUDIT_ACTIONS.optedIn, resource: conversation(request.conversationId) }),
      createSetConsent(deps),
    ),
    getMedia: guarded(
      authorize,
      (request) => ({
        permission: 'conversations:read',
        action: AUDIT_ACTIONS.readMedia,
        resource: { type: 'message', id: isUuid(request.messageId) ? request.messageId.toLowerCase() : '' },
      }),
      createGetMedia(deps),
    ),
    // the inbox (src/inbox): states, assignment, notes, read receipts, routing rules, live events
    setConversationState: guarded(
      authorize,
      (request) => ({ permission: 'conversations:assign', action: AUDIT_ACTIONS.setConversationState, resource: conversation(request.conversationId) }),
      inbox.setConversationState,
    ),
    assignConversation: guarded(
      authorize,
      (request) => ({ permission: 'conversations:assign', action: AUDIT_ACTIONS.assignConversation, resource: conversation(request.conversationId) }),
      inbox.assignConversation,
    ),
    addNote: guarded(
      authorize,
      (request) => ({ permission: 'messages:send', action: AUDIT_ACTIONS.addNote, resource: conversation(request.conversationId) }),
      inbox.addNote,
    ),
    listNotes: guarded(
      authorize,
      (request) => ({ permission: 'conversations:read', action: AUDIT_ACTIONS.listNotes, resource: conversation(request.conversationId) }),
      inbox.listNotes,
    ),
    markRead: guarded(
      authorize,
      (request) => ({ permission: 'conversations:read', action: AUDIT_ACTIONS.markRead, resource: conversation(request.conversationId) }),
      inbox.markRead,
    ),
    getRoutingRules: guarded(
      authorize,
      () => ({ permission: 'tenant:admin', action: AUDIT_ACTIONS.readRoutingRules, resource: { type: 'routing_rules', id: '' } }),
      inbox.getRoutingRules,
    ),
    setRoutingRules: guarded(
      authorize,
      () => ({ permission: 'tenant:admin', action: AUDIT_ACTIONS.setRoutingRules, resource: { type: 'routing_rules', id: '' } }),
      inbox.setRoutingRules,
    ),
    // retention and erasure (issue 7)
    erasePatient: guarded(
      authorize,
      (request) => ({ permission: 'patients:erase', action: AUDIT_ACTIONS.erasePatient, resource: conversation(request.conversationId) }),
      createErasePatient(deps),
    ),
    getRetentionPolicy: guarded(
      authorize,
      () => ({ permission: 'tenant:admin', action: AUDIT_ACTIONS.readRetentionPolicy, resource: { type: 'retention_policy', id: '' } }),
      createGetRetentionPolicy(deps),
    ),
    setRetentionPolicy: guarded(
      authorize,
      () => ({ permission: 'tenant:admin', action: AUDIT_ACTIONS.setRetentionPolicy, resource: { type: 'retention_policy', id: '' } }),
      createSetRetentionPolicy(deps),
    ),
    watchInbox: (async (caller, request, sink) => {
      await authorize(caller, { permission: 'conversations:read', action: AUDIT_ACTIONS.watchInbox, resource: { type: 'inbox_stream', id: '' } });
      await watchInbox(caller, request, sink);
    }) satisfies WatchInbox,
  };
}

export type MessagingUseCases = ReturnType<typeof createMessagingUseCases>;
export { type EventContext, type UseCaseDeps } from './deps';
export { type TenantCaller, requireTenantCaller } from './caller';
export { type TemplateSource } from './templates';
export { type MediaSource, createMediaFetchJob } from './media';
export { createRetentionJob } from './retention';
