// One conversation of the caller's tenant. Another tenant's id is NOT_FOUND like any unknown id:
// the answer must not reveal that it exists elsewhere.
import { type GetConversationRequest, type GetConversationResponse } from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { getConversation } from '../db/conversations';
import { conversationNotFound } from '../domain/errors';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { conversationView } from './views';

export type GetConversation = (caller: TenantCaller, request: GetConversationRequest) => Promise<GetConversationResponse>;

export function createGetConversation(deps: UseCaseDeps): GetConversation {
  return async (caller, request) => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const row = await withTenant(deps.pool, caller.tenantId, (client) =>
      getConversation(client, caller.tenantId, request.conversationId),
    );
    if (row === undefined) throw conversationNotFound();
    return { conversation: await conversationView(deps.atRest, row) };
  };
}
