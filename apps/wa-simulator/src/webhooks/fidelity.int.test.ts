// Every kind of webhook the simulator sends, checked at a real receiver with Careline's own
// verifier (`verifySignature`) and parser (`parseWebhookBytes`) from @careline/whatsapp: the two
// implementations share no code, so each one checks the other against Meta's shapes.
import { createHash } from 'node:crypto';
import { parseWebhookBytes, verifySignature, type WebhookEvent } from '@careline/whatsapp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  PATIENT,
  acceptedId,
  patientSends,
  patientWrites,
  request,
  sendMessage,
  startReceiver,
  startSimulator,
  waitFor,
  type Receiver,
  type RunningSimulator,
} from '../test/harness';

/** Every POST verified with Careline's verifier, then parsed with its parser, in arrival order. */
function verifiedEvents(receiver: Receiver): WebhookEvent[] {
  return receiver.posts().flatMap((post) => {
    const header = post.headers['x-hub-signature-256'];
    expect(
      verifySignature(post.raw, typeof header === 'string' ? header : undefined, BUSINESS.app_secret),
    ).toBe(true);
    return parseWebhookBytes(post.raw).events;
  });
}

async function eventFor(receiver: Receiver, wamid: string): Promise<WebhookEvent> {
  return waitFor(() =>
    verifiedEvents(receiver).find((e) => e.kind === 'message' && e.message.wamid === wamid),
  );
}

function messageOf(event: WebhookEvent) {
  if (event.kind !== 'message') throw new Error(`expected a message event, got ${event.kind}`);
  return event.message;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('webhooks through Careline’s verifier and parser', () => {
  let env: RunningSimulator;
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await startReceiver();
    env = await startSimulator({ businesses: [{ ...BUSINESS, webhook_url: receiver.url }] });
  });
  afterEach(async () => {
    await env.close();
    await receiver.close();
  });

  it('inbound text with non-ASCII characters', async () => {
    const body = 'Olá, ¿cómo está? 👋🏽 日本 / "quoted"';
    const sent = await patientWrites(env.baseUrl, body);
    const event = await eventFor(receiver, sent.body.id);
    expect(event).toMatchObject({
      kind: 'message',
      wabaId: BUSINESS.waba_id,
      phoneNumberId: BUSINESS.phone_number_id,
      displayPhoneNumber: BUSINESS.display_phone_number,
      waId: PATIENT.wa_id,
      profileName: PATIENT.profile_name,
    });
    expect(messageOf(event)).toMatchObject({ type: 'text', text: { body }, from: PATIENT.wa_id });
  });

  it('interactive button reply and list reply, with context', async () => {
    await patientWrites(env.baseUrl, 'hi');
    const buttons = acceptedId(
      await sendMessage(env.baseUrl, {
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'Can you come on Tuesday?' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'yes-42', title: 'Yes' } },
              { type: 'reply', reply: { id: 'no-42', title: 'No' } },
            ],
          },
        },
      }),
    );
    const tap = await patientSends(env.baseUrl, {
      type: 'interactive',
      context: { message_id: buttons },
      interactive: { type: 'button_reply', id: 'no-42' },
    });
    expect(tap.status).toBe(200);
    expect(messageOf(await eventFor(receiver, tap.body.id))).toMatchObject({
      type: 'interactive',
      interactive: { type: 'button_reply', id: 'no-42', title: 'No' },
      context: { from: BUSINESS.display_phone_number, messageId: buttons },
    });

    const list = acceptedId(
      await sendMessage(env.baseUrl, {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Pick a slot' },
          action: {
            button: 'Slots',
            sections: [
              { title: 'Morning', rows: [{ id: 'm9', title: '09:00', description: 'Dr Silva, room 3' }] },
              { title: 'Afternoon', rows: [{ id: 'a3', title: '15:00' }] },
            ],
          },
        },
      }),
    );
    const pick = await patientSends(env.baseUrl, {
      type: 'interactive',
      context: { message_id: list },
      interactive: { type: 'list_reply', id: 'm9' },
    });
    expect(messageOf(await eventFor(receiver, pick.body.id))).toMatchObject({
      type: 'interactive',
      interactive: { type: 'list_reply', id: 'm9', title: '09:00', description: 'Dr Silva, room 3' },
      context: { messageId: list },
    });
  });

  it('template quick-reply button, with the payload of the send and context', async () => {
    const reminder = acceptedId(
      await sendMessage(env.baseUrl, {
        type: 'template',
        template: {
          name: 'appointment_reminder',
          language: { code: 'en_US' },
          components: [
            {
              type: 'body',
              parameters: ['Ana', 'Dr Silva', '12 May 10:30'].map((text) => ({ type: 'text', text })),
            },
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '0',
              parameters: [{ type: 'payload', payload: 'CONFIRM:apt-7' }],
            },
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '2',
              parameters: [{ type: 'payload', payload: 'CANCEL:apt-7' }],
            },
          ],
        },
      }),
    );
    await waitFor(() =>
      verifiedEvents(receiver).some((e) => e.kind === 'status' && e.wamid === reminder) ? true : undefined,
    );
    const tap = await patientSends(env.baseUrl, {
      type: 'button',
      context: { message_id: reminder },
      button: { index: 2 },
    });
    expect(tap.status).toBe(200);
    expect(messageOf(await eventFor(receiver, tap.body.id))).toMatchObject({
      type: 'button',
      button: { payload: 'CANCEL:apt-7', text: 'Cancel' },
      context: { from: BUSINESS.display_phone_number, messageId: reminder },
    });
    // a button sent without a payload reports its text as the payload
    const reschedule = await patientSends(env.baseUrl, {
      type: 'button',
      context: { message_id: reminder },
      button: { text: 'Reschedule' },
    });
    expect(messageOf(await eventFor(receiver, reschedule.body.id))).toMatchObject({
      button: { payload: 'Reschedule', text: 'Reschedule' },
    });
  });

  it('media of every kind, with ids the business can resolve', async () => {
    const kinds = [
      {
        type: 'image',
        media: { data_base64: b64('png'), mime_type: 'image/png' },
        caption: 'my rash? no: my cat',
      },
      {
        type: 'document',
        media: { data_base64: b64('%PDF-1.4'), mime_type: 'application/pdf', filename: 'referral.pdf' },
        caption: 'referral',
      },
      { type: 'audio', media: { data_base64: b64('ogg'), mime_type: 'audio/ogg; codecs=opus' }, voice: true },
      { type: 'video', media: { data_base64: b64('mp4'), mime_type: 'video/mp4' } },
      { type: 'sticker', media: { data_base64: b64('RIFF....WEBPVP8 '), mime_type: 'image/webp' } },
    ];
    for (const kind of kinds) {
      const sent = await patientSends(env.baseUrl, kind);
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      const message = messageOf(await eventFor(receiver, sent.body.id));
      expect(message.type).toBe(kind.type);
    }
    const events = verifiedEvents(receiver).map(messageOf);
    const image = events.find((m) => m.type === 'image');
    const document = events.find((m) => m.type === 'document');
    const audio = events.find((m) => m.type === 'audio');
    const sticker = events.find((m) => m.type === 'sticker');
    expect(image).toMatchObject({
      image: {
        mimeType: 'image/png',
        caption: 'my rash? no: my cat',
        sha256: createHash('sha256').update('png').digest('base64'),
      },
    });
    expect(document).toMatchObject({
      document: { mimeType: 'application/pdf', filename: 'referral.pdf', caption: 'referral' },
    });
    expect(audio).toMatchObject({ audio: { mimeType: 'audio/ogg', voice: true } });
    expect(sticker).toMatchObject({ sticker: { mimeType: 'image/webp', animated: false } });

    // the business resolves a patient's media id with its token, like an upload of its own
    if (image?.type !== 'image') throw new Error('no image');
    const info = await request<{ id: string; mime_type: string; file_size: number }>(
      env.baseUrl,
      'GET',
      `/v23.0/${image.image.mediaId}`,
      { token: BUSINESS.access_token },
    );
    expect(info.body).toMatchObject({ id: image.image.mediaId, mime_type: 'image/png', file_size: 3 });
  });

  it('location with numeric coordinates, reactions and their removal', async () => {
    const location = await patientSends(env.baseUrl, {
      type: 'location',
      location: { latitude: -23.5613, longitude: -46.6565, name: 'Hospital', address: 'Av. Paulista, 1000' },
    });
    expect(messageOf(await eventFor(receiver, location.body.id))).toMatchObject({
      type: 'location',
      location: { latitude: -23.5613, longitude: -46.6565, name: 'Hospital', address: 'Av. Paulista, 1000' },
    });
    const hello = acceptedId(await sendMessage(env.baseUrl, { type: 'text', text: { body: 'Welcome' } }));
    const react = await patientSends(env.baseUrl, {
      type: 'reaction',
      reaction: { message_id: hello, emoji: '❤️' },
    });
    expect(messageOf(await eventFor(receiver, react.body.id))).toMatchObject({
      type: 'reaction',
      reaction: { messageId: hello, emoji: '❤️' },
    });
    const remove = await patientSends(env.baseUrl, {
      type: 'reaction',
      reaction: { message_id: hello, emoji: '' },
    });
    expect(messageOf(await eventFor(receiver, remove.body.id))).toMatchObject({
      reaction: { messageId: hello, emoji: '' },
    });
  });

  it('statuses with pricing, and failed statuses with errors', async () => {
    await patientWrites(env.baseUrl, 'hi');
    const ok = acceptedId(await sendMessage(env.baseUrl, { type: 'text', text: { body: 'Noted.' } }));
    const statuses = await waitFor(() => {
      const s = verifiedEvents(receiver).filter((e) => e.kind === 'status' && e.wamid === ok);
      return s.length >= 3 ? s : undefined;
    });
    expect(statuses.map((s) => (s.kind === 'status' ? s.status : ''))).toEqual(['sent', 'delivered', 'read']);
    expect(statuses[0]).toMatchObject({
      kind: 'status',
      recipientId: PATIENT.wa_id,
      pricing: { pricingModel: 'PMP', category: 'service', type: 'free_customer_service' },
    });

    await request(env.baseUrl, 'POST', '/_sim/faults/send', { body: { code: 131026, delivery: 'async' } });
    const failed = acceptedId(await sendMessage(env.baseUrl, { type: 'text', text: { body: 'y' } }));
    const status = await waitFor(() =>
      verifiedEvents(receiver).find(
        (e) => e.kind === 'status' && e.wamid === failed && e.status === 'failed',
      ),
    );
    expect(status).toMatchObject({
      errors: [{ code: 131026, title: 'Message undeliverable' }],
      pricing: undefined,
    });
  });

  it('user_preferences on stop and resume of marketing messages', async () => {
    const stop = await request(env.baseUrl, 'POST', `/_sim/patients/${PATIENT.wa_id}/marketing`, {
      body: { phone_number_id: BUSINESS.phone_number_id, value: 'stop' },
    });
    expect(stop.status).toBe(200);
    await request(env.baseUrl, 'POST', `/_sim/patients/${PATIENT.wa_id}/marketing`, {
      body: { phone_number_id: BUSINESS.phone_number_id, value: 'resume' },
    });
    const preferences = await waitFor(() => {
      const p = verifiedEvents(receiver).filter((e) => e.kind === 'user_preference');
      return p.length >= 2 ? p : undefined;
    });
    expect(preferences).toMatchObject([
      {
        kind: 'user_preference',
        waId: PATIENT.wa_id,
        category: 'marketing_messages',
        value: 'stop',
        profileName: PATIENT.profile_name,
      },
      { kind: 'user_preference', waId: PATIENT.wa_id, value: 'resume' },
    ]);
  });

  it('template status updates, which Careline reads as another field', async () => {
    const patched = await request(
      env.baseUrl,
      'PATCH',
      `/_sim/wabas/${BUSINESS.waba_id}/templates/welcome/en_US`,
      { body: { status: 'PAUSED', reason: 'Low quality' } },
    );
    expect(patched.status).toBe(200);
    const other = await waitFor(() => verifiedEvents(receiver).find((e) => e.kind === 'other'));
    expect(other).toEqual({
      kind: 'other',
      wabaId: BUSINESS.waba_id,
      field: 'message_template_status_update',
    });
    const raw = JSON.parse(receiver.posts().at(-1)!.raw.toString('utf8')) as {
      entry: { time: number; changes: { value: Record<string, unknown> }[] }[];
    };
    expect(raw.entry[0]!.changes[0]!.value).toMatchObject({
      event: 'PAUSED',
      message_template_name: 'welcome',
      message_template_language: 'en_US',
      reason: 'Low quality',
    });
    expect(typeof raw.entry[0]!.changes[0]!.value.message_template_id).toBe('number');
  });

  it('batches several messages and statuses into one POST that still verifies and parses', async () => {
    await request(env.baseUrl, 'PATCH', '/_sim/settings', {
      body: { webhook_batch: { max_items: 10, window_ms: 150 } },
    });
    const a = await patientWrites(env.baseUrl, 'one');
    const b = await patientSends(env.baseUrl, { type: 'text', text: 'two' }, '447700900123');
    const c = await patientWrites(env.baseUrl, 'three');
    await waitFor(() => (receiver.posts().length >= 1 ? true : undefined));
    expect(receiver.posts()).toHaveLength(1);
    const events = verifiedEvents(receiver);
    expect(events.map((e) => (e.kind === 'message' ? e.message.wamid : e.kind))).toEqual([
      a.body.id,
      b.body.id,
      c.body.id,
    ]);
    // contacts pair with their senders across one change
    expect(events.map((e) => (e.kind === 'message' ? e.waId : ''))).toEqual([
      PATIENT.wa_id,
      '447700900123',
      PATIENT.wa_id,
    ]);
    const log = await request<{ data: { items: unknown[]; id: string }[] }>(
      env.baseUrl,
      'GET',
      '/_sim/webhooks',
    );
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]!.items).toHaveLength(3);
    expect(a.body.delivery_id).toBe(c.body.delivery_id);
  });
});
