// MessagingService over gRPC: the caller from metadata, then the use-case. Errors are translated
// once, by grpcUnary (DomainError → status code + x-careline-error-code).
import { type MessagingServiceHandlers } from '@careline/contracts';
import { type Logger, grpcUnary } from '@careline/runtime';
import { type MessagingUseCases, requireTenantCaller } from '../use-cases';

export function createMessagingGrpcHandlers(useCases: MessagingUseCases, logger: Logger): MessagingServiceHandlers {
  const options = { logger };
  return {
    listConversations: grpcUnary((request, { caller }) => useCases.listConversations(requireTenantCaller(caller), request), options),
    getConversation: grpcUnary((request, { caller }) => useCases.getConversation(requireTenantCaller(caller), request), options),
    listMessages: grpcUnary((request, { caller }) => useCases.listMessages(requireTenantCaller(caller), request), options),
    sendText: grpcUnary((request, { caller }) => useCases.sendText(requireTenantCaller(caller), request), options),
  };
}
