import { randomUUID } from 'node:crypto';
import type { Principal } from '@careline/auth';
import { DomainError, internalError, isDomainError } from '@careline/runtime';
import { callerOf } from '../auth/principal';
import { isoOrNull } from '../schemas/common';
import { type MessageView, toMessageView } from '../schemas/messages';
import type { InboxDeps } from './deps';

export interface SendTextInput {
  conversationId: string;
  text: string;
  /** The client's key; without one a fresh key is used, so such a request must not be retried blindly. */
  idempotencyKey?: string | undefined;
  replyToMessageId?: string | undefined;
}

/**
 * Queues a free-text reply. Outside the 24-hour window messaging refuses with `window_closed`;
 * the care team then needs to know since when, so the refusal leaves with `details.windowClosedAt`
 * (taken from messaging's details when it sends one, else from the conversation).
 */
export function createSendText({ messaging }: Pick<InboxDeps, 'messaging'>) {
  async function withWindowClosedAt(
    principal: Principal,
    conversationId: string,
    error: DomainError,
  ): Promise<DomainError> {
    if (typeof error.details?.['windowClosedAt'] === 'string') return error;
    let windowClosedAt: string | null;
    try {
      const { conversation } = await messaging.getConversation(callerOf(principal), { conversationId });
      windowClosedAt = isoOrNull(conversation?.windowOpenUntil);
    } catch {
      // The refusal itself is what matters; the time is a courtesy.
      return error;
    }
    return new DomainError({
      code: error.code,
      kind: error.kind,
      message: error.message,
      details: { ...error.details, conversationId, windowClosedAt },
      retryable: error.retryable,
      cause: error,
    });
  }

  return async function sendText(principal: Principal, input: SendTextInput): Promise<MessageView> {
    let response;
    try {
      response = await messaging.sendText(callerOf(principal), {
        conversationId: input.conversationId,
        text: input.text,
        idempotencyKey: input.idempotencyKey ?? randomUUID(),
        replyToMessageId: input.replyToMessageId ?? '',
      });
    } catch (error) {
      if (isDomainError(error) && error.code === 'window_closed') {
        throw await withWindowClosedAt(principal, input.conversationId, error);
      }
      throw error;
    }
    if (response.message === undefined) {
      throw internalError('upstream_invalid_response', 'messaging answered without the queued message.');
    }
    return toMessageView(response.message);
  };
}
