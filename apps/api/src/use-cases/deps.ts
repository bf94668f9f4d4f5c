import type { Principal } from '@careline/auth';
import type { Conversation } from '@careline/contracts';
import { internalError } from '@careline/runtime';
import type { MessagingClient } from '../grpc/messaging-client';

export interface InboxDeps {
  messaging: MessagingClient;
  clock: () => Date;
}

/**
 * Defence in depth: messaging scopes every call to the tenant in the metadata, and the api checks
 * that what comes back says so too. A conversation of another tenant here is a bug that must fail
 * loudly (500, logged with ids only), never reach the caller.
 */
export function assertSameTenant(principal: Principal, conversation: Conversation): void {
  if (conversation.tenantId !== '' && conversation.tenantId.toLowerCase() !== principal.tenantId) {
    throw internalError('tenant_mismatch', 'messaging returned a conversation of another tenant.', {
      details: { conversationId: conversation.id },
    });
  }
}
