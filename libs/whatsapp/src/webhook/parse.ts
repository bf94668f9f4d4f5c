import { WebhookValidationError, describeIssues } from '../errors.js';
import {
  type InboundMessage,
  type MessageStatusUpdate,
  type UserPreferenceUpdate,
  type WebhookContact,
  type WhatsAppError,
  webhookPayloadSchema,
} from './schemas.js';

/** Where an event came from: the WABA (`entry[].id`) and the business number it concerns. */
export interface EventOrigin {
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
}

export interface MessageEvent extends EventOrigin {
  kind: 'message';
  /** The user's WhatsApp id (from `contacts[]` when Meta sent one for this sender, else `from`). */
  waId: string;
  profileName: string | undefined;
  message: InboundMessage;
}

export type StatusEvent = EventOrigin & MessageStatusUpdate & { kind: 'status' };

export type UserPreferenceEvent = EventOrigin &
  UserPreferenceUpdate & {
    kind: 'user_preference';
    profileName: string | undefined;
  };

/** `value.errors[]`: an error about the number or the webhook as a whole, not one message. */
export interface ErrorEvent extends EventOrigin {
  kind: 'error';
  error: WhatsAppError;
}

/** A change whose `field` this library does not read (template status, account updates, …). */
export interface OtherEvent {
  kind: 'other';
  wabaId: string;
  field: string;
}

export type WebhookEvent = MessageEvent | StatusEvent | UserPreferenceEvent | ErrorEvent | OtherEvent;

export interface ParsedWebhook {
  /** In payload order: entry by entry, change by change; messages, then statuses, then errors. */
  events: WebhookEvent[];
}

/**
 * Validates a webhook body (already JSON-parsed) and flattens it into events. Throws only
 * `WebhookValidationError`, whose reasons name schema paths and never payload values.
 */
export function parseWebhook(json: unknown): ParsedWebhook {
  let result: ReturnType<typeof webhookPayloadSchema.safeParse>;
  try {
    result = webhookPayloadSchema.safeParse(json);
  } catch {
    // A schema should never throw, but the contract of this function is one error class.
    throw new WebhookValidationError(['(root): could not be validated']);
  }
  if (!result.success) throw new WebhookValidationError(describeIssues(result.error.issues));

  const events: WebhookEvent[] = [];
  for (const entry of result.data.entry) {
    const wabaId = entry.id;
    for (const change of entry.changes) {
      switch (change.field) {
        case 'messages': {
          const origin = { wabaId, ...change.metadata };
          const senders = new Set(change.messages.map((m) => m.from));
          for (const message of change.messages) {
            const contact = contactFor(message.from, change.contacts, senders.size === 1);
            events.push({
              kind: 'message',
              ...origin,
              waId: contact?.waId ?? message.from,
              profileName: contact?.profileName,
              message,
            });
          }
          for (const status of change.statuses) events.push({ kind: 'status', ...origin, ...status });
          for (const error of change.errors) events.push({ kind: 'error', ...origin, error });
          break;
        }
        case 'user_preferences': {
          const origin = { wabaId, ...change.metadata };
          for (const preference of change.userPreferences) {
            const contact = change.contacts.find((c) => c.waId === preference.waId);
            events.push({
              kind: 'user_preference',
              ...origin,
              ...preference,
              profileName: contact?.profileName,
            });
          }
          break;
        }
        case 'other':
          events.push({ kind: 'other', wabaId, field: change.name });
          break;
      }
    }
  }
  return { events };
}

/**
 * Meta pairs `contacts[]` with `messages[]` by the user's id. When the ids differ (Meta notes that a
 * wa_id is not always the phone number) and the batch has one sender and one contact, that contact
 * is the sender.
 */
function contactFor(from: string, contacts: readonly WebhookContact[], singleSender: boolean) {
  const exact = contacts.find((c) => c.waId === from);
  if (exact) return exact;
  return singleSender && contacts.length === 1 ? contacts[0] : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `parseWebhook` for the raw body: invalid UTF-8 or JSON raise the same `WebhookValidationError`. */
export function parseWebhookBytes(raw: Uint8Array): ParsedWebhook {
  return parseWebhook(decodeWebhookJson(raw));
}

/**
 * Decodes a body as strict UTF-8 JSON (e.g. to peek at it after the signature check). JSON.parse's own
 * messages quote the input, so they are replaced by a value-free `WebhookValidationError`.
 */
export function decodeWebhookJson(raw: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new WebhookValidationError(['(body): not valid UTF-8']);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WebhookValidationError(['(body): not valid JSON']);
  }
}

/**
 * The `phone_number_id`s a payload concerns, for routing before full validation (e.g. to pick the
 * tenant). Reads only `entry[].changes[].value.metadata.phone_number_id`, skips anything malformed,
 * never throws. Deduplicated, in payload order.
 */
export function peekPhoneNumberIds(json: unknown): string[] {
  const ids = new Set<string>();
  try {
    for (const entry of arrayAt(json, 'entry')) {
      for (const change of arrayAt(entry, 'changes')) {
        const id = propertyOf(propertyOf(propertyOf(change, 'value'), 'metadata'), 'phone_number_id');
        if (typeof id === 'string' && id.length > 0) ids.add(id);
      }
    }
  } catch {
    // Exotic inputs (proxies, getters) are not JSON; whatever was collected so far stands.
  }
  return [...ids];
}

function propertyOf(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.prototype.hasOwnProperty.call(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function arrayAt(value: unknown, key: string): readonly unknown[] {
  const found = propertyOf(value, key);
  return Array.isArray(found) ? (found as unknown[]) : [];
}
