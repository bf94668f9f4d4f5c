// Mapping of every inbound message type the parser knows onto the contract's content variants,
// with each sealed field opened again under the payload's context (pure: no I/O).
import { randomUUID } from 'node:crypto';
import {
  ContactCards,
  LocationDetails,
  type PatientMessageReceivedV1,
  type Sealed,
  TOPICS,
  WA_ID_HASH_PURPOSE,
  patientMessageReceivedEvent,
  sealContext,
} from '@careline/contracts';
import { testSealer } from '@careline/crypto/testing';
import { type MessageEvent, parseWebhook } from '@careline/whatsapp';
import { EXAMPLE_WA_ID, type Json, exampleInboundText, webhookPayload } from '@careline/whatsapp/testing';
import { describe, expect, it } from 'vitest';
import { toPatientMessageReceived } from './to-patient-message';

const sealer = testSealer();
const tenantId = randomUUID();

function messageEvent(
  message: Json,
  contacts: Json[] = [{ profile: { name: 'Zoë Ünal' }, wa_id: EXAMPLE_WA_ID }],
): MessageEvent {
  const [event] = parseWebhook(webhookPayload({ contacts, messages: [message] })).events;
  if (event?.kind !== 'message') throw new Error('expected a message event');
  return event;
}

const base = { from: EXAMPLE_WA_ID, id: 'wamid.TEST', timestamp: '1750025136' };

async function map(message: Json, contacts?: Json[]) {
  const messageId = randomUUID();
  const payload = await toPatientMessageReceived(sealer, {
    tenantId,
    messageId,
    receivedAt: new Date('2025-06-15T22:05:40Z'),
    event: messageEvent(message, contacts),
  });
  const context = sealContext(TOPICS.patientMessageReceived, messageId);
  const open = (box: Sealed | undefined) => {
    if (box === undefined) throw new Error('expected a sealed field');
    return sealer.openString(tenantId, box, context);
  };
  const openBytes = (box: Sealed | undefined) => {
    if (box === undefined) throw new Error('expected a sealed field');
    return sealer.open(tenantId, box, context);
  };
  return { payload, open, openBytes, messageId };
}

function variant<C extends NonNullable<PatientMessageReceivedV1['content']>['$case']>(
  payload: PatientMessageReceivedV1,
  $case: C,
) {
  const content = payload.content;
  if (content?.$case !== $case) throw new Error(`expected ${$case}, got ${content?.$case ?? 'nothing'}`);
  return content.value as Extract<NonNullable<PatientMessageReceivedV1['content']>, { $case: C }>['value'];
}

describe('toPatientMessageReceived', () => {
  it('maps example A (text): ids in clear, patient data sealed, key material hashed', async () => {
    const [event] = parseWebhook(exampleInboundText()).events;
    if (event?.kind !== 'message') throw new Error('expected a message');
    const messageId = randomUUID();
    const payload = await toPatientMessageReceived(sealer, {
      tenantId,
      messageId,
      receivedAt: new Date(),
      event,
    });
    const context = sealContext(TOPICS.patientMessageReceived, messageId);

    expect(payload).toMatchObject({
      tenantId,
      messageId,
      wamid: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
      phoneNumberId: '106540352242922',
      patientId: '',
      sentAt: new Date(1749416383 * 1000),
    });
    expect(payload.waIdHash).toBe(await sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, EXAMPLE_WA_ID));
    expect(payload.waIdHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await sealer.openString(tenantId, payload.waId!, context)).toBe(EXAMPLE_WA_ID);
    expect(await sealer.openString(tenantId, payload.profileName!, context)).toBe('Sheena Nelson');
    expect(await sealer.openString(tenantId, variant(payload, 'text').body!, context)).toBe(
      'Does it come in another color?',
    );
    expect(payload.context).toBeUndefined();

    // Nothing identifying in the encoded bytes.
    const bytes = Buffer.from(patientMessageReceivedEvent.encode(payload)).toString('latin1');
    for (const clear of [EXAMPLE_WA_ID, 'Sheena', 'another color']) expect(bytes).not.toContain(clear);
  });

  it('seals under the payload context only: another message id does not open it', async () => {
    const { payload } = await map({ ...base, type: 'text', text: { body: 'hello' } });
    await expect(
      sealer.openString(
        tenantId,
        variant(payload, 'text').body!,
        sealContext(TOPICS.patientMessageReceived, randomUUID()),
      ),
    ).rejects.toThrow('could not be decrypted');
  });

  it('keeps non-ASCII text and names exactly', async () => {
    const { payload, open } = await map({ ...base, type: 'text', text: { body: 'Schmerzen 🤕 — ¿mañana?' } });
    expect(await open(variant(payload, 'text').body)).toBe('Schmerzen 🤕 — ¿mañana?');
    expect(await open(payload.profileName)).toBe('Zoë Ünal');
  });

  it('leaves the profile name out when Meta sent none', async () => {
    const { payload } = await map({ ...base, type: 'text', text: { body: 'x' } }, [{ wa_id: EXAMPLE_WA_ID }]);
    expect(payload.profileName).toBeUndefined();
  });

  it('carries the replied-to wamid and forwarding flags', async () => {
    const { payload } = await map({
      ...base,
      type: 'text',
      text: { body: 'x' },
      context: { from: '15550783881', id: 'wamid.REPLIED', forwarded: true },
    });
    expect(payload.context).toEqual({
      repliedToWamid: 'wamid.REPLIED',
      forwarded: true,
      frequentlyForwarded: false,
    });
  });

  it.each([
    ['image', { caption: 'rash on my arm' }],
    ['video', { caption: 'how it looks' }],
  ] as const)('maps %s with media id, mime type, sha256 and sealed caption', async (type, extra) => {
    const media = { id: 'media-1', mime_type: 'image/jpeg', sha256: 'abc123', ...extra };
    const { payload, open } = await map({ ...base, type, [type]: media });
    const value = variant(payload, type);
    expect(value).toMatchObject({
      mediaId: 'media-1',
      mimeType: 'image/jpeg',
      sha256: 'abc123',
      voice: false,
      animated: false,
    });
    expect(await open(value.caption)).toBe(extra.caption);
    expect(value.filename).toBeUndefined();
  });

  it('maps a voice note, a document with file name and an animated sticker', async () => {
    const audio = await map({
      ...base,
      type: 'audio',
      audio: { id: 'a', mime_type: 'audio/ogg; codecs=opus', sha256: 's', voice: true },
    });
    expect(variant(audio.payload, 'audio')).toMatchObject({
      mediaId: 'a',
      mimeType: 'audio/ogg; codecs=opus',
      voice: true,
    });
    expect(variant(audio.payload, 'audio').caption).toBeUndefined();

    const document = await map({
      ...base,
      type: 'document',
      document: {
        id: 'd',
        mime_type: 'application/pdf',
        sha256: 's',
        filename: 'lab-results-zoe.pdf',
        caption: 'my results',
      },
    });
    expect(await document.open(variant(document.payload, 'document').filename)).toBe('lab-results-zoe.pdf');
    expect(await document.open(variant(document.payload, 'document').caption)).toBe('my results');

    const sticker = await map({
      ...base,
      type: 'sticker',
      sticker: { id: 'st', mime_type: 'image/webp', sha256: 's', animated: true },
    });
    expect(variant(sticker.payload, 'sticker')).toMatchObject({ mediaId: 'st', animated: true });
  });

  it('maps a location into sealed LocationDetails', async () => {
    const location = {
      latitude: 52.52,
      longitude: 13.405,
      name: 'Charité',
      address: 'Charitéplatz 1, Berlin',
    };
    const { payload, openBytes } = await map({ ...base, type: 'location', location });
    const details = LocationDetails.decode(await openBytes(variant(payload, 'location').details));
    expect(details).toEqual({ ...location, url: '' });
  });

  it('maps shared contacts into sealed ContactCards', async () => {
    const { payload, openBytes } = await map({
      ...base,
      type: 'contacts',
      contacts: [
        {
          name: { formatted_name: 'Ana Pérez', first_name: 'Ana', last_name: 'Pérez' },
          phones: [{ phone: '+34 600 000 000', wa_id: '34600000000', type: 'CELL' }],
          emails: [{ email: 'ana@example.org', type: 'HOME' }],
          org: { company: 'Hospital' },
        },
      ],
    });
    const cards = ContactCards.decode(await openBytes(variant(payload, 'contacts').cards));
    expect(cards.cards).toEqual([
      {
        formattedName: 'Ana Pérez',
        firstName: 'Ana',
        lastName: 'Pérez',
        phones: [{ phone: '+34 600 000 000', waId: '34600000000', type: 'CELL' }],
        emails: [{ email: 'ana@example.org', type: 'HOME' }],
        organization: 'Hospital',
        birthday: '',
      },
    ]);
  });

  it('maps interactive button and list replies: ids in clear, labels sealed', async () => {
    const button = await map({
      ...base,
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } },
    });
    expect(variant(button.payload, 'buttonReply').buttonId).toBe('cancel-button');
    expect(await button.open(variant(button.payload, 'buttonReply').title)).toBe('Cancel');

    const list = await map({
      ...base,
      type: 'interactive',
      interactive: {
        type: 'list_reply',
        list_reply: { id: 'slot-3', title: 'Tue 10:30', description: 'Dr. Weiß' },
      },
    });
    const value = variant(list.payload, 'listReply');
    expect(value.rowId).toBe('slot-3');
    expect(await list.open(value.title)).toBe('Tue 10:30');
    expect(await list.open(value.description)).toBe('Dr. Weiß');
  });

  it('maps a template quick-reply button: payload in clear, label sealed', async () => {
    const { payload, open } = await map({
      ...base,
      type: 'button',
      button: { payload: 'CONFIRM_123', text: 'Confirm' },
    });
    const value = variant(payload, 'templateButtonReply');
    expect(value.payload).toBe('CONFIRM_123');
    expect(await open(value.text)).toBe('Confirm');
  });

  it('maps a reaction and its removal', async () => {
    const added = await map({
      ...base,
      type: 'reaction',
      reaction: { message_id: 'wamid.OURS', emoji: '👍' },
    });
    expect(variant(added.payload, 'reaction').reactedToWamid).toBe('wamid.OURS');
    expect(await added.open(variant(added.payload, 'reaction').emoji)).toBe('👍');

    const removed = await map({ ...base, type: 'reaction', reaction: { message_id: 'wamid.OURS' } });
    expect(variant(removed.payload, 'reaction').emoji).toBeUndefined();
  });

  it('maps unsupported messages with Meta errors, and types without a variant, to unsupported', async () => {
    const meta = await map({
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
    expect(variant(meta.payload, 'unsupported')).toEqual({
      type: 'unsupported',
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          details: 'Message type is currently not supported.',
          href: '',
        },
      ],
    });

    const order = await map({
      ...base,
      type: 'order',
      order: {
        catalog_id: 'c',
        product_items: [{ product_retailer_id: 'p', quantity: 1, item_price: 2, currency: 'EUR' }],
      },
    });
    expect(variant(order.payload, 'unsupported')).toEqual({ type: 'order', errors: [] });

    const future = await map({ ...base, type: 'hologram', hologram: { body: 'secret' } });
    expect(variant(future.payload, 'unsupported')).toEqual({ type: 'hologram', errors: [] });

    const flow = await map({
      ...base,
      type: 'interactive',
      interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{}' } },
    });
    expect(variant(flow.payload, 'unsupported')).toEqual({ type: 'interactive.nfm_reply', errors: [] });
  });
});
