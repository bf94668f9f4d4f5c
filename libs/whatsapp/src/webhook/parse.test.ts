import { describe, expect, it } from 'vitest';
import { WebhookValidationError } from '../errors.js';
import {
  exampleButtonReply,
  exampleFailedStatus,
  exampleInboundText,
  exampleTemplateQuickReply,
  signWebhook,
  toMetaJson,
  webhookPayload,
} from '../testing/index.js';
import { type WebhookEvent, parseWebhook, parseWebhookBytes, peekPhoneNumberIds } from './parse.js';

const WA = '16505551234';
const base = { from: WA, id: 'wamid.ABC', timestamp: '1750000000' };

/** Parses one inbound message of the given wire shape and returns its event. */
function one(
  message: Record<string, unknown>,
  contacts: unknown[] = [{ profile: { name: 'Ana' }, wa_id: WA }],
) {
  const { events } = parseWebhook(
    webhookPayload({ contacts: contacts as never, messages: [message as never] }),
  );
  expect(events).toHaveLength(1);
  const event = events[0]!;
  if (event.kind !== 'message') throw new Error(`expected a message event, got ${event.kind}`);
  return event;
}

function reasonsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookValidationError);
    return (error as WebhookValidationError).reasons;
  }
  throw new Error('expected a WebhookValidationError');
}

describe('parseWebhook: the fact sheet examples', () => {
  it('A: inbound text', () => {
    expect(parseWebhook(exampleInboundText()).events).toEqual<WebhookEvent[]>([
      {
        kind: 'message',
        wabaId: '102290129340398',
        phoneNumberId: '106540352242922',
        displayPhoneNumber: '15550783881',
        waId: WA,
        profileName: 'Sheena Nelson',
        message: {
          type: 'text',
          wamid: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
          from: WA,
          timestamp: 1749416383,
          date: new Date(1749416383 * 1000),
          context: undefined,
          referral: undefined,
          errors: [],
          text: { body: 'Does it come in another color?' },
        },
      },
    ]);
  });

  it('B: interactive button reply, with the context of the business message', () => {
    const [event] = parseWebhook(exampleButtonReply()).events;
    expect(event).toMatchObject({ kind: 'message', wabaId: '419561257915477', waId: WA });
    if (event?.kind !== 'message') throw new Error('not a message');
    expect(event.message).toMatchObject({
      type: 'interactive',
      wamid: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTZBQzg0MzQ4QjRCM0NGNkVGOAA=',
      timestamp: 1750025136,
      interactive: { type: 'button_reply', id: 'cancel-button', title: 'Cancel' },
      context: {
        from: '15550783881',
        messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA',
        forwarded: false,
      },
    });
  });

  it('B, template variant: quick-reply button', () => {
    const [event] = parseWebhook(exampleTemplateQuickReply()).events;
    if (event?.kind !== 'message') throw new Error('not a message');
    expect(event.message).toMatchObject({
      type: 'button',
      button: { payload: 'Unsubscribe', text: 'Unsubscribe' },
      context: { messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA' },
    });
  });

  it('C: failed status with error 131026', () => {
    expect(parseWebhook(exampleFailedStatus()).events).toEqual<WebhookEvent[]>([
      {
        kind: 'status',
        wabaId: '102290129340398',
        phoneNumberId: '106540352242922',
        displayPhoneNumber: '15550783881',
        wamid: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA',
        status: 'failed',
        recipientId: WA,
        timestamp: 1750263773,
        date: new Date(1750263773 * 1000),
        conversation: undefined,
        pricing: undefined,
        bizOpaqueCallbackData: undefined,
        groupId: undefined,
        errors: [
          {
            code: 131026,
            title: 'Message undeliverable',
            message: 'Message undeliverable',
            details: 'Message Undeliverable.',
            href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
          },
        ],
      },
    ]);
  });

  it('parses the same from the raw bytes Meta sends', () => {
    const { body } = signWebhook(exampleInboundText(), 'secret');
    expect(parseWebhookBytes(body)).toEqual(parseWebhook(exampleInboundText()));
  });
});

describe('parseWebhook: inbound message types', () => {
  const media = { id: '1234567890', mime_type: 'image/jpeg', sha256: 'abc=' };

  it('image, video, document, audio and sticker carry the media id for download', () => {
    expect(one({ ...base, type: 'image', image: { ...media, caption: 'x-ray' } }).message).toMatchObject({
      type: 'image',
      image: { mediaId: '1234567890', mimeType: 'image/jpeg', sha256: 'abc=', caption: 'x-ray' },
    });
    expect(
      one({ ...base, type: 'video', video: { ...media, mime_type: 'video/mp4' } }).message,
    ).toMatchObject({
      type: 'video',
      video: { mediaId: '1234567890', mimeType: 'video/mp4' },
    });
    expect(
      one({
        ...base,
        type: 'document',
        document: { ...media, mime_type: 'application/pdf', filename: 'r.pdf' },
      }).message,
    ).toMatchObject({ type: 'document', document: { filename: 'r.pdf', mimeType: 'application/pdf' } });
    expect(
      one({ ...base, type: 'audio', audio: { ...media, mime_type: 'audio/ogg', voice: true } }).message,
    ).toMatchObject({ type: 'audio', audio: { voice: true } });
    expect(
      one({ ...base, type: 'sticker', sticker: { ...media, mime_type: 'image/webp' } }).message,
    ).toMatchObject({
      type: 'sticker',
      sticker: { animated: false },
    });
  });

  it('location keeps numeric coordinates', () => {
    const location = { latitude: 38.7223, longitude: -9.1393, name: 'Hospital', address: 'Rua 1' };
    expect(one({ ...base, type: 'location', location }).message).toMatchObject({
      type: 'location',
      location,
    });
    expect(
      reasonsOf(() => one({ ...base, type: 'location', location: { ...location, latitude: '38.7' } })),
    ).toEqual(['entry.0.changes.0.value.messages.0.location.latitude: invalid_type (expected number)']);
  });

  it('contacts, reaction, order and list replies', () => {
    expect(
      one({
        ...base,
        type: 'contacts',
        contacts: [
          {
            name: { formatted_name: 'Dr Rui', first_name: 'Rui' },
            phones: [{ phone: '+351 21', wa_id: '35121', type: 'WORK' }],
          },
        ],
      }).message,
    ).toMatchObject({
      type: 'contacts',
      contacts: [
        {
          formattedName: 'Dr Rui',
          firstName: 'Rui',
          phones: [{ phone: '+351 21', waId: '35121' }],
          emails: [],
        },
      ],
    });
    expect(
      one({ ...base, type: 'reaction', reaction: { message_id: 'wamid.OUT', emoji: '👍' } }).message,
    ).toMatchObject({
      type: 'reaction',
      reaction: { messageId: 'wamid.OUT', emoji: '👍' },
    });
    // Removing a reaction: Meta leaves the emoji out.
    expect(one({ ...base, type: 'reaction', reaction: { message_id: 'wamid.OUT' } }).message).toMatchObject({
      reaction: { emoji: '' },
    });
    expect(
      one({
        ...base,
        type: 'order',
        order: {
          catalog_id: 'c1',
          product_items: [{ product_retailer_id: 'p1', quantity: '2', item_price: 12.5, currency: 'EUR' }],
        },
      }).message,
    ).toMatchObject({
      order: { catalogId: 'c1', productItems: [{ productRetailerId: 'p1', quantity: 2, itemPrice: 12.5 }] },
    });
    expect(
      one({
        ...base,
        type: 'interactive',
        interactive: {
          type: 'list_reply',
          list_reply: { id: 'slot-3', title: 'Tue 10:30', description: 'Dr Rui' },
        },
      }).message,
    ).toMatchObject({
      interactive: { type: 'list_reply', id: 'slot-3', title: 'Tue 10:30', description: 'Dr Rui' },
    });
  });

  it('system message (number change) comes without contacts; waId falls back to from', () => {
    const event = one(
      {
        ...base,
        type: 'system',
        system: { body: 'User changed number', wa_id: '16505559999', type: 'user_changed_number' },
      },
      [],
    );
    expect(event.waId).toBe(WA);
    expect(event.profileName).toBeUndefined();
    expect(event.message).toMatchObject({
      type: 'system',
      system: { type: 'user_changed_number', newWaId: '16505559999' },
    });
  });

  it('unsupported messages keep their errors', () => {
    const event = one({
      ...base,
      type: 'unsupported',
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          error_data: { details: 'Message type is currently not supported.' },
        },
      ],
    });
    expect(event.message).toMatchObject({
      type: 'unsupported',
      errors: [
        { code: 131051, title: 'Message type unknown', details: 'Message type is currently not supported.' },
      ],
    });
  });

  it('referral (Click-to-WhatsApp ad) and forwarded context', () => {
    const event = one({
      ...base,
      type: 'text',
      text: { body: 'hi' },
      context: { forwarded: true },
      referral: {
        source_url: 'https://fb.me/ad',
        source_id: '120',
        source_type: 'ad',
        ctwa_clid: 'clid-1',
        headline: 'h',
      },
    });
    expect(event.message.context).toEqual({
      from: undefined,
      messageId: undefined,
      forwarded: true,
      frequentlyForwarded: false,
      referredProduct: undefined,
    });
    expect(event.message.referral).toMatchObject({
      sourceUrl: 'https://fb.me/ad',
      sourceId: '120',
      ctwaClid: 'clid-1',
    });
  });

  it('an unknown message type or interactive subtype is kept as unrecognized, not a failure', () => {
    expect(one({ ...base, type: 'request_welcome' }).message).toMatchObject({
      type: 'unrecognized',
      originalType: 'request_welcome',
      wamid: 'wamid.ABC',
    });
    expect(
      one({
        ...base,
        type: 'interactive',
        interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{}' } },
      }).message,
    ).toMatchObject({
      type: 'interactive',
      interactive: { type: 'unrecognized', originalType: 'nfm_reply' },
    });
  });

  it('ignores fields Meta adds', () => {
    const event = one({ ...base, type: 'text', text: { body: 'hi', new_thing: 1 }, brand_new: { a: 1 } });
    expect(event.message).toMatchObject({ type: 'text', text: { body: 'hi' } });
    expect(event.message).not.toHaveProperty('brand_new');
  });

  it('is strict where Meta is: timestamps are digit strings, ids are strings', () => {
    expect(
      reasonsOf(() => one({ ...base, timestamp: 1750000000, type: 'text', text: { body: 'x' } })),
    ).toEqual(['entry.0.changes.0.value.messages.0.timestamp: invalid_type (expected string)']);
    expect(
      reasonsOf(() => one({ ...base, timestamp: '2025-06-01', type: 'text', text: { body: 'x' } })),
    ).toEqual(['entry.0.changes.0.value.messages.0.timestamp: invalid_format']);
    expect(reasonsOf(() => one({ ...base, id: 42, type: 'text', text: { body: 'x' } }))).toEqual([
      'entry.0.changes.0.value.messages.0.id: invalid_type (expected string)',
    ]);
    expect(reasonsOf(() => one({ ...base, type: 'text' }))).toEqual([
      'entry.0.changes.0.value.messages.0.text: invalid_type (expected object)',
    ]);
    expect(reasonsOf(() => one({ ...base, type: 7 }))).toEqual([
      'entry.0.changes.0.value.messages.0.type: invalid_union',
    ]);
  });
});

describe('parseWebhook: contacts', () => {
  it('pairs each message with the contact of its sender in a batch', () => {
    const { events } = parseWebhook(
      webhookPayload({
        contacts: [
          { profile: { name: 'Ana' }, wa_id: '111111' },
          { profile: { name: 'Rui' }, wa_id: '222222' },
        ],
        messages: [
          { ...base, from: '222222', id: 'wamid.1', type: 'text', text: { body: 'a' } },
          { ...base, from: '111111', id: 'wamid.2', type: 'text', text: { body: 'b' } },
          { ...base, from: '333333', id: 'wamid.3', type: 'text', text: { body: 'c' } },
        ],
      }),
    );
    expect(events.map((e) => (e.kind === 'message' ? [e.waId, e.profileName] : e.kind))).toEqual([
      ['222222', 'Rui'],
      ['111111', 'Ana'],
      ['333333', undefined],
    ]);
  });

  it("uses the only contact when its wa_id differs from the single sender's number", () => {
    const event = one({ ...base, from: '5511987654321', type: 'text', text: { body: 'oi' } }, [
      { profile: { name: 'Bia' }, wa_id: '551187654321' },
    ]);
    expect(event).toMatchObject({ waId: '551187654321', profileName: 'Bia' });
    expect(event.message.from).toBe('5511987654321');
  });
});

describe('parseWebhook: statuses, errors, preferences, other fields', () => {
  it('status with PMP pricing, conversation and callback data', () => {
    const { events } = parseWebhook(
      webhookPayload({
        statuses: [
          {
            id: 'wamid.OUT',
            status: 'delivered',
            timestamp: '1750263773',
            recipient_id: WA,
            biz_opaque_callback_data: 'cmd-42',
            conversation: { id: 'conv-1', expiration_timestamp: '1750350173', origin: { type: 'utility' } },
            pricing: { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' },
          },
        ],
      }),
    );
    expect(events[0]).toMatchObject({
      kind: 'status',
      wamid: 'wamid.OUT',
      status: 'delivered',
      bizOpaqueCallbackData: 'cmd-42',
      conversation: { id: 'conv-1', expirationTimestamp: 1750350173, originType: 'utility' },
      pricing: { pricingModel: 'PMP', category: 'utility', type: 'regular', billable: true },
      errors: [],
    });
  });

  it('rejects a status value Meta does not document', () => {
    expect(
      reasonsOf(() =>
        parseWebhook(
          webhookPayload({
            statuses: [{ id: 'wamid.OUT', status: 'seen', timestamp: '1', recipient_id: WA }],
          }),
        ),
      ),
    ).toEqual(['entry.0.changes.0.value.statuses.0.status: invalid_value']);
  });

  it('value-level errors become error events', () => {
    const { events } = parseWebhook(
      webhookPayload({
        errors: [
          {
            code: 130429,
            title: 'Rate limit hit',
            message: 'Rate limit hit',
            error_data: { details: 'too many' },
          },
        ],
      }),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'error',
      phoneNumberId: '106540352242922',
      error: { code: 130429, details: 'too many' },
    });
  });

  it('user_preferences: marketing stop with an integer timestamp, as Meta documents it', () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'user_preferences',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
                contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: WA }],
                user_preferences: [
                  {
                    wa_id: WA,
                    detail: 'User requested to stop marketing messages',
                    category: 'marketing_messages',
                    value: 'stop',
                    timestamp: 1731705721,
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    expect(parseWebhook(payload).events).toEqual([
      {
        kind: 'user_preference',
        wabaId: '102290129340398',
        phoneNumberId: '106540352242922',
        displayPhoneNumber: '15550783881',
        waId: WA,
        profileName: 'Sheena Nelson',
        category: 'marketing_messages',
        value: 'stop',
        detail: 'User requested to stop marketing messages',
        timestamp: 1731705721,
        date: new Date(1731705721 * 1000),
      },
    ]);
  });

  it('keeps an unknown field as "other" without reading its value, next to the known changes', () => {
    const payload = exampleInboundText();
    const entry = (payload['entry'] as { changes: unknown[] }[])[0]!;
    entry.changes.unshift({
      field: 'message_template_status_update',
      value: { event: 'APPROVED', anything: [1, 2] },
    });
    entry.changes.push({ field: 'account_update' });
    const kinds = parseWebhook(payload).events.map((e) => (e.kind === 'other' ? `other:${e.field}` : e.kind));
    expect(kinds).toEqual(['other:message_template_status_update', 'message', 'other:account_update']);
  });

  it('accepts an empty batch and several entries', () => {
    expect(parseWebhook({ object: 'whatsapp_business_account', entry: [] }).events).toEqual([]);
    const a = exampleInboundText();
    const b = exampleFailedStatus();
    const both = {
      object: 'whatsapp_business_account',
      entry: [...(a['entry'] as unknown[]), ...(b['entry'] as unknown[])],
    };
    expect(parseWebhook(both).events.map((e) => e.kind)).toEqual(['message', 'status']);
  });

  it('rejects other objects and a wrong messaging_product', () => {
    expect(reasonsOf(() => parseWebhook({ object: 'page', entry: [] }))).toEqual(['object: invalid_value']);
    const payload = exampleInboundText();
    (payload['entry'] as { changes: { value: Record<string, unknown> }[] }[])[0]!.changes[0]!.value[
      'messaging_product'
    ] = 'sms';
    expect(reasonsOf(() => parseWebhook(payload))).toEqual([
      'entry.0.changes.0.value.messaging_product: invalid_value',
    ]);
    expect(reasonsOf(() => parseWebhook(null))).toEqual(['(root): invalid_type (expected object)']);
  });
});

describe('parseWebhookBytes', () => {
  it('accepts Meta-escaped non-ASCII text and restores it', () => {
    const payload = webhookPayload({ messages: [{ ...base, type: 'text', text: { body: 'Olá 🙏 中文' } }] });
    const bytes = new TextEncoder().encode(toMetaJson(payload));
    const [event] = parseWebhookBytes(bytes).events;
    expect(event?.kind === 'message' && event.message.type === 'text' && event.message.text.body).toBe(
      'Olá 🙏 中文',
    );
  });

  it('rejects invalid UTF-8 and invalid JSON with WebhookValidationError and no input in the message', () => {
    expect(reasonsOf(() => parseWebhookBytes(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])))).toEqual([
      '(body): not valid UTF-8',
    ]);
    const secret = 'patient-body-SECRET';
    const notJson = new TextEncoder().encode(`{"text": ${secret}}`);
    try {
      parseWebhookBytes(notJson);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookValidationError);
      expect(String(error)).not.toContain(secret);
      expect((error as Error).cause).toBeUndefined();
    }
    expect(reasonsOf(() => parseWebhookBytes(new Uint8Array()))).toEqual(['(body): not valid JSON']);
  });
});

describe('peekPhoneNumberIds', () => {
  it('lists the phone_number_ids of every change, deduplicated, in order', () => {
    const a = webhookPayload({ phoneNumberId: '111', messages: [] });
    const b = webhookPayload({ phoneNumberId: '222', statuses: [] });
    const c = webhookPayload({ phoneNumberId: '111', field: 'user_preferences' });
    const all = {
      object: 'whatsapp_business_account',
      entry: [...(a['entry'] as unknown[]), ...(b['entry'] as unknown[]), ...(c['entry'] as unknown[])],
    };
    expect(peekPhoneNumberIds(all)).toEqual(['111', '222']);
  });

  it('skips malformed parts and never throws', () => {
    expect(peekPhoneNumberIds(undefined)).toEqual([]);
    expect(peekPhoneNumberIds('x')).toEqual([]);
    expect(peekPhoneNumberIds({ entry: 'x' })).toEqual([]);
    expect(
      peekPhoneNumberIds({
        entry: [
          null,
          {
            changes: [
              null,
              { value: { metadata: { phone_number_id: 5 } } },
              { value: { metadata: { phone_number_id: '9' } } },
            ],
          },
        ],
      }),
    ).toEqual(['9']);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        has() {
          throw new Error('boom');
        },
        getOwnPropertyDescriptor() {
          throw new Error('boom');
        },
      },
    );
    expect(peekPhoneNumberIds(hostile)).toEqual([]);
  });
});
