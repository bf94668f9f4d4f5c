/**
 * Test helpers for projects that handle WhatsApp webhooks: Meta-faithful serialisation and signing,
 * and the fact sheet's example payloads. For tests only; production code imports the main entry.
 */
import { signBody } from '../signature.js';

/**
 * Serialises like Meta: JSON with every non-ASCII UTF-16 code unit escaped as `\uXXXX` (so an emoji
 * becomes a surrogate pair of escapes). Parsing and re-serialising this text with `JSON.stringify`
 * gives different bytes, which is why signatures must be checked on the raw body.
 */
export function toMetaJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('value is not JSON-serialisable');
  return json.replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface SignedWebhook {
  /** The exact bytes to POST. */
  body: Uint8Array;
  /** Value of `X-Hub-Signature-256` for `body`. */
  signature: string;
}

/** Serialises `payload` like Meta and signs those bytes with `appSecret`. */
export function signWebhook(payload: unknown, appSecret: string): SignedWebhook {
  const body = new TextEncoder().encode(toMetaJson(payload));
  return { body, signature: signBody(body, appSecret) };
}

// --- the fact sheet's examples (docs: /work/shared/whatsapp-cloud-api.md §2) ---------------------

export const EXAMPLE_WABA_ID = '102290129340398';
export const EXAMPLE_PHONE_NUMBER_ID = '106540352242922';
export const EXAMPLE_DISPLAY_NUMBER = '15550783881';
export const EXAMPLE_WA_ID = '16505551234';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface PayloadParts {
  wabaId?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  field?: string;
  contacts?: Json[];
  messages?: Json[];
  statuses?: Json[];
  errors?: Json[];
}

/** A one-entry, one-change webhook around the given parts. */
export function webhookPayload(parts: PayloadParts): { [key: string]: Json } {
  const value: { [key: string]: Json } = {
    messaging_product: 'whatsapp',
    metadata: {
      display_phone_number: parts.displayPhoneNumber ?? EXAMPLE_DISPLAY_NUMBER,
      phone_number_id: parts.phoneNumberId ?? EXAMPLE_PHONE_NUMBER_ID,
    },
  };
  if (parts.contacts) value['contacts'] = parts.contacts;
  if (parts.messages) value['messages'] = parts.messages;
  if (parts.statuses) value['statuses'] = parts.statuses;
  if (parts.errors) value['errors'] = parts.errors;
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: parts.wabaId ?? EXAMPLE_WABA_ID, changes: [{ value, field: parts.field ?? 'messages' }] }],
  };
}

const sheena = [{ profile: { name: 'Sheena Nelson' }, wa_id: EXAMPLE_WA_ID }];

/** Example A: an inbound text. */
export function exampleInboundText(): { [key: string]: Json } {
  return webhookPayload({
    contacts: sheena,
    messages: [
      {
        from: EXAMPLE_WA_ID,
        id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
        timestamp: '1749416383',
        type: 'text',
        text: { body: 'Does it come in another color?' },
      },
    ],
  });
}

/** Example B: an interactive button reply. */
export function exampleButtonReply(): { [key: string]: Json } {
  return webhookPayload({
    wabaId: '419561257915477',
    contacts: sheena,
    messages: [
      {
        context: {
          from: EXAMPLE_DISPLAY_NUMBER,
          id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA',
        },
        from: EXAMPLE_WA_ID,
        id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTZBQzg0MzQ4QjRCM0NGNkVGOAA=',
        timestamp: '1750025136',
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } },
      },
    ],
  });
}

/** Example B's template variant: a quick-reply button of a template. */
export function exampleTemplateQuickReply(): { [key: string]: Json } {
  return webhookPayload({
    wabaId: '419561257915477',
    contacts: sheena,
    messages: [
      {
        context: {
          from: EXAMPLE_DISPLAY_NUMBER,
          id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA',
        },
        from: EXAMPLE_WA_ID,
        id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTZBQzg0MzQ4QjRCM0NGNkVGOAA=',
        timestamp: '1750025136',
        type: 'button',
        button: { payload: 'Unsubscribe', text: 'Unsubscribe' },
      },
    ],
  });
}

/** Example C: a `failed` status with error 131026. */
export function exampleFailedStatus(): { [key: string]: Json } {
  return webhookPayload({
    statuses: [
      {
        id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA',
        status: 'failed',
        timestamp: '1750263773',
        recipient_id: EXAMPLE_WA_ID,
        errors: [
          {
            code: 131026,
            title: 'Message undeliverable',
            message: 'Message undeliverable',
            error_data: { details: 'Message Undeliverable.' },
            href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
          },
        ],
      },
    ],
  });
}
