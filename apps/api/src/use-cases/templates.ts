// Templates and consent through messaging: the registry, a sync from WhatsApp (through messaging
// and the gateway), sending a template in a conversation, and the patient's consent.
import { randomUUID } from 'node:crypto';
import type { Principal } from '@careline/auth';
import { MessagingConsentSource, MessagingConsentState } from '@careline/contracts';
import { internalError } from '@careline/runtime';
import { callerOf } from '../auth/principal';
import { isoOrNull } from '../schemas/common';
import { toMessageView } from '../schemas/messages';
import {
  CONSENT_SOURCE_VALUES,
  CONSENT_STATE_VALUES,
  type ConsentView,
  PURPOSES,
  type SendTemplateBody,
  type SetConsentBody,
  toConsentView,
  toTemplateView,
} from '../schemas/templates';
import type { InboxDeps } from './deps';

export function createTemplateUseCases({ messaging }: Pick<InboxDeps, 'messaging'>) {
  return {
    async listTemplates(principal: Principal, query: { approvedOnly: boolean }) {
      const response = await messaging.listTemplates(callerOf(principal), { approvedOnly: query.approvedOnly });
      return { items: response.templates.map(toTemplateView), syncedAt: isoOrNull(response.syncedAt) };
    },

    async syncTemplates(principal: Principal) {
      const response = await messaging.syncTemplates(callerOf(principal), {});
      return { templateCount: response.templateCount, syncedAt: isoOrNull(response.syncedAt) };
    },

    async sendTemplate(principal: Principal, conversationId: string, body: SendTemplateBody, idempotencyKey: string | undefined) {
      const response = await messaging.sendTemplate(callerOf(principal), {
        recipient: { $case: 'conversationId', value: conversationId },
        templateName: body.templateName,
        languageCode: body.languageCode ?? '',
        parameters: Object.entries(body.parameters).map(([name, text]) => ({ name, text })),
        buttons: body.buttons,
        purpose: PURPOSES[body.purpose],
        // without a key the request is not safe to retry blindly (as for text replies)
        idempotencyKey: idempotencyKey ?? randomUUID(),
      });
      if (response.message === undefined) {
        throw internalError('upstream_invalid_response', 'messaging answered without the queued message.');
      }
      return { message: toMessageView(response.message), conversationId: response.conversationId, language: response.languageCode };
    },

    async getConsent(principal: Principal, conversationId: string): Promise<ConsentView> {
      const { consent } = await messaging.getConsent(callerOf(principal), { conversationId });
      if (consent === undefined) throw internalError('upstream_invalid_response', 'messaging answered without the consent.');
      return toConsentView(consent);
    },

    async setConsent(principal: Principal, conversationId: string, body: SetConsentBody): Promise<ConsentView> {
      const { consent } = await messaging.setConsent(callerOf(principal), {
        conversationId,
        state: body.state === undefined ? MessagingConsentState.MESSAGING_CONSENT_STATE_UNSPECIFIED : CONSENT_STATE_VALUES[body.state],
        source: body.source === undefined ? MessagingConsentSource.MESSAGING_CONSENT_SOURCE_UNSPECIFIED : CONSENT_SOURCE_VALUES[body.source],
        preferredLanguageCode: body.preferredLanguage ?? '',
      });
      if (consent === undefined) throw internalError('upstream_invalid_response', 'messaging answered without the consent.');
      return toConsentView(consent);
    },
  };
}

export type TemplateUseCases = ReturnType<typeof createTemplateUseCases>;
