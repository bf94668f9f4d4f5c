// Templates and consent as the REST api shows them, made from MessagingService's `Template` and
// `MessagingConsent`. Template texts are the hospital's (no patient data); parameter values in a
// send request may be patient data: never log request bodies.
import {
  type MessagingConsent,
  MessagingConsentSource,
  MessagingConsentState,
  MessagePurpose,
  type Template,
  TemplateCategory,
  TemplateStatus,
} from '@careline/contracts';
import { z } from 'zod';
import { dateTime, isoOrNull } from './common';
import { messageSchema } from './messages';

const CATEGORIES = ['marketing', 'utility', 'authentication', 'unknown'] as const;
const STATUSES = ['pending', 'approved', 'rejected', 'paused', 'disabled', 'deleted', 'unknown'] as const;

export const templateSchema = z
  .object({
    name: z.string(),
    language: z.string().meta({ description: 'WhatsApp language code, e.g. `en_US`, `es`.' }),
    category: z.enum(CATEGORIES),
    status: z.enum(STATUSES).meta({ description: 'Only `approved` templates can be sent.' }),
    parameters: z
      .array(
        z.object({
          name: z.string().meta({ description: 'The key to use in `parameters` when sending ("1", "first_name", "header.1").' }),
          component: z.enum(['header', 'body']),
          example: z.string().nullable(),
        }),
      )
      .meta({ description: 'Placeholders to fill, in order.' }),
    buttons: z.array(
      z.object({
        index: z.number().int(),
        type: z.string().meta({ description: '`quick_reply`, `url`, `copy_code`, `otp`, `phone_number`.' }),
        text: z.string(),
        needsValue: z.boolean().meta({ description: 'A value must be given in `buttons` (URL suffix, code).' }),
      }),
    ),
    bodyText: z.string().meta({ description: 'The body with its placeholders (`{{1}}`).' }),
    headerFormat: z.string().nullable(),
  })
  .meta({ id: 'Template', description: 'One template (a name in one language) of the hospital’s registry.' });

export const templateListSchema = z
  .object({
    items: z.array(templateSchema),
    syncedAt: dateTime().nullable().meta({ description: 'When the registry was last synced from WhatsApp.' }),
  })
  .meta({ id: 'TemplateList' });

export const templateListQuerySchema = z.object({
  approvedOnly: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true')
    .meta({ description: 'Only templates that can be sent now.' }),
});

export const templateSyncSchema = z
  .object({ templateCount: z.number().int(), syncedAt: dateTime().nullable() })
  .meta({ id: 'TemplateSync' });

const parameterValue = z
  .string()
  .min(1)
  .max(1024)
  .meta({ description: 'The text; no newlines or tabs, at most 4 spaces in a row (WhatsApp rules).' });

export const sendTemplateBodySchema = z
  .object({
    templateName: z.string().regex(/^[a-z0-9_]{1,512}$/, { message: 'must be a template name' }),
    languageCode: z
      .string()
      .regex(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,4})?$/, { message: 'must be a language code such as es or en_US' })
      .optional()
      .meta({
        description:
          "Wanted language. The patient's preferred language wins when the template has it; then this one (exact, then the same base language: es_MX → es); then the hospital's default; then en_US.",
      }),
    parameters: z
      .record(z.string().regex(/^[A-Za-z0-9_.]{1,64}$/), parameterValue)
      .default({})
      .meta({ description: 'Placeholder name → text, e.g. `{"1": "Ana", "2": "Friday 10:30"}`.' }),
    buttons: z
      .array(z.object({ index: z.number().int().min(0).max(9), value: z.string().min(1).max(2000) }))
      .max(10)
      .default([]),
    purpose: z
      .enum(['care', 'reminder', 'result_notice'])
      .default('care')
      .meta({ description: 'Why it is sent; an opted-out patient receives none of these.' }),
    idempotencyKey: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/)
      .optional()
      .meta({ description: 'Chosen per intended message and reused on retries (or the `Idempotency-Key` header).' }),
  })
  .meta({ id: 'SendTemplateRequest' });
export type SendTemplateBody = z.output<typeof sendTemplateBodySchema>;

export const sentTemplateSchema = z
  .object({
    message: messageSchema,
    conversationId: z.string(),
    language: z.string().meta({ description: 'The language actually used.' }),
  })
  .meta({ id: 'SentTemplate' });

const CONSENT_STATES = ['unspecified', 'opted_in', 'opted_out'] as const;
const CONSENT_SOURCES = ['keyword', 'user_preferences', 'staff', 'api', 'import', 'unknown'] as const;

export const consentSchema = z
  .object({
    conversationId: z.string(),
    state: z.enum(CONSENT_STATES).meta({ description: '`opted_out`: only essential messages (codes, confirmations) are sent.' }),
    source: z.enum(CONSENT_SOURCES).nullable(),
    changedAt: dateTime().nullable(),
    marketingStopped: z.boolean().meta({ description: 'The patient stopped marketing messages in WhatsApp.' }),
    preferredLanguage: z.string().nullable(),
    history: z.array(
      z.object({
        state: z.enum(CONSENT_STATES),
        source: z.enum(CONSENT_SOURCES),
        changedAt: dateTime().nullable(),
        changedBy: z.string(),
        marketingStopped: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'Consent', description: "The patient's consent to messages from the hospital." });
export type ConsentView = z.output<typeof consentSchema>;

export const setConsentBodySchema = z
  .object({
    state: z.enum(['opted_in', 'opted_out']).optional(),
    source: z
      .enum(['staff', 'api', 'import'])
      .optional()
      .meta({ description: 'How the consent was obtained; required with `state`.' }),
    preferredLanguage: z
      .string()
      .regex(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,4})?$/)
      .optional()
      .meta({ description: "The patient's preferred template language." }),
  })
  .refine((body) => body.state !== undefined || body.preferredLanguage !== undefined, {
    message: 'give state, preferredLanguage or both',
  })
  .refine((body) => body.state === undefined || body.source !== undefined, { message: 'source is required with state', path: ['source'] })
  .meta({ id: 'SetConsentRequest' });
export type SetConsentBody = z.output<typeof setConsentBodySchema>;

const CATEGORY_NAMES: Record<TemplateCategory, (typeof CATEGORIES)[number]> = {
  [TemplateCategory.TEMPLATE_CATEGORY_MARKETING]: 'marketing',
  [TemplateCategory.TEMPLATE_CATEGORY_UTILITY]: 'utility',
  [TemplateCategory.TEMPLATE_CATEGORY_AUTHENTICATION]: 'authentication',
  [TemplateCategory.TEMPLATE_CATEGORY_UNSPECIFIED]: 'unknown',
  [TemplateCategory.UNRECOGNIZED]: 'unknown',
};
const STATUS_NAMES: Record<TemplateStatus, (typeof STATUSES)[number]> = {
  [TemplateStatus.TEMPLATE_STATUS_PENDING]: 'pending',
  [TemplateStatus.TEMPLATE_STATUS_APPROVED]: 'approved',
  [TemplateStatus.TEMPLATE_STATUS_REJECTED]: 'rejected',
  [TemplateStatus.TEMPLATE_STATUS_PAUSED]: 'paused',
  [TemplateStatus.TEMPLATE_STATUS_DISABLED]: 'disabled',
  [TemplateStatus.TEMPLATE_STATUS_DELETED]: 'deleted',
  [TemplateStatus.TEMPLATE_STATUS_UNSPECIFIED]: 'unknown',
  [TemplateStatus.UNRECOGNIZED]: 'unknown',
};

export function toTemplateView(template: Template): z.output<typeof templateSchema> {
  return {
    name: template.name,
    language: template.languageCode,
    category: CATEGORY_NAMES[template.category],
    status: STATUS_NAMES[template.status],
    parameters: template.parameters.map((p) => ({
      name: p.name,
      component: p.component === 'header' ? 'header' : 'body',
      example: p.example === '' ? null : p.example,
    })),
    buttons: template.buttons.map((b) => ({ index: b.index, type: b.type, text: b.text, needsValue: b.needsValue })),
    bodyText: template.bodyText,
    headerFormat: template.headerFormat === '' ? null : template.headerFormat,
  };
}

const STATE_NAMES: Record<MessagingConsentState, (typeof CONSENT_STATES)[number]> = {
  [MessagingConsentState.MESSAGING_CONSENT_STATE_UNSPECIFIED]: 'unspecified',
  [MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_IN]: 'opted_in',
  [MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT]: 'opted_out',
  [MessagingConsentState.UNRECOGNIZED]: 'unspecified',
};
const SOURCE_NAMES: Record<MessagingConsentSource, (typeof CONSENT_SOURCES)[number]> = {
  [MessagingConsentSource.MESSAGING_CONSENT_SOURCE_KEYWORD]: 'keyword',
  [MessagingConsentSource.MESSAGING_CONSENT_SOURCE_USER_PREFERENCES]: 'user_preferences',
  [MessagingConsentSource.MESSAGING_CONSENT_SOURCE_STAFF]: 'staff',
  [MessagingConsentSource.MESSAGING_CONSENT_SOURCE_API]: 'api',
  [MessagingConsentSource.MESSAGING_CONSENT_SOURCE_IMPORT]: 'import',
  [MessagingConsentSource.MESSAGING_CONSENT_SOURCE_UNSPECIFIED]: 'unknown',
  [MessagingConsentSource.UNRECOGNIZED]: 'unknown',
};

export function toConsentView(consent: MessagingConsent): ConsentView {
  return {
    conversationId: consent.conversationId,
    state: STATE_NAMES[consent.state],
    source: consent.source === MessagingConsentSource.MESSAGING_CONSENT_SOURCE_UNSPECIFIED ? null : SOURCE_NAMES[consent.source],
    changedAt: isoOrNull(consent.changedAt),
    marketingStopped: consent.marketingStopped,
    preferredLanguage: consent.preferredLanguageCode === '' ? null : consent.preferredLanguageCode,
    history: consent.history.map((h) => ({
      state: STATE_NAMES[h.state],
      source: SOURCE_NAMES[h.source],
      changedAt: isoOrNull(h.changedAt),
      changedBy: h.changedBy,
      marketingStopped: h.marketingStopped,
    })),
  };
}

export const PURPOSES: Record<SendTemplateBody['purpose'], MessagePurpose> = {
  care: MessagePurpose.MESSAGE_PURPOSE_CARE,
  reminder: MessagePurpose.MESSAGE_PURPOSE_REMINDER,
  result_notice: MessagePurpose.MESSAGE_PURPOSE_RESULT_NOTICE,
};

export const CONSENT_STATE_VALUES: Record<NonNullable<SetConsentBody['state']>, MessagingConsentState> = {
  opted_in: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_IN,
  opted_out: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT,
};

export const CONSENT_SOURCE_VALUES: Record<NonNullable<SetConsentBody['source']>, MessagingConsentSource> = {
  staff: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_STAFF,
  api: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_API,
  import: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_IMPORT,
};
