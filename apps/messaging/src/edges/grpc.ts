// MessagingService over gRPC: the caller from metadata, then the use-case. Errors are translated
// once, by grpcUnary (DomainError → status code + x-careline-error-code).
import { type MessagingServiceHandlers } from '@careline/contracts';
import { type Logger, grpcUnary } from '@careline/runtime';
import { type MessagingUseCases, requireTenantCaller } from '../use-cases';
import { grpcInboxStream } from './inbox-stream';

export function createMessagingGrpcHandlers(useCases: MessagingUseCases, logger: Logger): MessagingServiceHandlers {
  const options = { logger };
  return {
    listConversations: grpcUnary((request, { caller }) => useCases.listConversations(requireTenantCaller(caller), request), options),
    getConversation: grpcUnary((request, { caller }) => useCases.getConversation(requireTenantCaller(caller), request), options),
    listMessages: grpcUnary((request, { caller }) => useCases.listMessages(requireTenantCaller(caller), request), options),
    sendText: grpcUnary((request, { caller }) => useCases.sendText(requireTenantCaller(caller), request), options),
    setConversationRestriction: grpcUnary(
      (request, { caller }) => useCases.setConversationRestriction(requireTenantCaller(caller), request),
      options,
    ),
    breakGlass: grpcUnary((request, { caller }) => useCases.breakGlass(requireTenantCaller(caller), request), options),
    sendTemplate: grpcUnary((request, { caller }) => useCases.sendTemplate(requireTenantCaller(caller), request), options),
    sendInteractive: grpcUnary((request, { caller }) => useCases.sendInteractive(requireTenantCaller(caller), request), options),
    listTemplates: grpcUnary((request, { caller }) => useCases.listTemplates(requireTenantCaller(caller), request), options),
    syncTemplates: grpcUnary((request, { caller }) => useCases.syncTemplates(requireTenantCaller(caller), request), options),
    getConsent: grpcUnary((request, { caller }) => useCases.getConsent(requireTenantCaller(caller), request), options),
    setConsent: grpcUnary((request, { caller }) => useCases.setConsent(requireTenantCaller(caller), request), options),
    getMedia: grpcUnary((request, { caller }) => useCases.getMedia(requireTenantCaller(caller), request), options),
    // the inbox (src/inbox)
    setConversationState: grpcUnary((request, { caller }) => useCases.setConversationState(requireTenantCaller(caller), request), options),
    assignConversation: grpcUnary((request, { caller }) => useCases.assignConversation(requireTenantCaller(caller), request), options),
    addNote: grpcUnary((request, { caller }) => useCases.addNote(requireTenantCaller(caller), request), options),
    listNotes: grpcUnary((request, { caller }) => useCases.listNotes(requireTenantCaller(caller), request), options),
    markRead: grpcUnary((request, { caller }) => useCases.markRead(requireTenantCaller(caller), request), options),
    watchInbox: grpcInboxStream(useCases.watchInbox, logger),
    getRoutingRules: grpcUnary((request, { caller }) => useCases.getRoutingRules(requireTenantCaller(caller), request), options),
    setRoutingRules: grpcUnary((request, { caller }) => useCases.setRoutingRules(requireTenantCaller(caller), request), options),
    // retention and erasure (issue 7)
    erasePatient: grpcUnary((request, { caller }) => useCases.erasePatient(requireTenantCaller(caller), request), options),
    getRetentionPolicy: grpcUnary((request, { caller }) => useCases.getRetentionPolicy(requireTenantCaller(caller), request), options),
    setRetentionPolicy: grpcUnary((request, { caller }) => useCases.setRetentionPolicy(requireTenantCaller(caller), request), options),
  };
}
