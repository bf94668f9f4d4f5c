// Every inbound WhatsApp message type, end to end through real processes: a simulated patient sends
// each type once (simulator → gateway → Kafka → ingest → messaging → api), and each is listed by
// `GET /v1/conversations/{id}/messages` with the right `content.type` and fields. Media is fetched
// from the simulator's media store through the gateway (MediaService) and kept encrypted by
// messaging; the image's bytes come back through the api exactly as the patient sent them.
//
// The simulator does not simulate `contacts` or Meta's `unsupported` messages from a patient
// (apps/wa-simulator/README.md, "not simulated"), so those two are Meta-shaped webhooks signed
// with the number's app secret and posted to the gateway, as Meta would.
import { randomBytes } from 'node:crypto';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { staffClient } from './support/api';
import { useStack } from './support/stack';
import { newWamid, postWebhook, randomWaId, sign } from './support/webhooks';

const stack = useStack('inbound-types');

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF'), randomBytes(30_000)]);
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(2_000)]);
const OGG = Buffer.concat([Buffer.from('OggS'), randomBytes(3_000)]);
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), randomBytes(4_000)]);
/** A well-formed RIFF/WEBP container (chunk sizes right), so the simulator's WebP reader ends. */
function webp(payload: Buffer): Buffer {
  const le32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  return Buffer.concat([Buffer.from('RIFF'), le32(4 + 8 + payload.length), Buffer.from('WEBPVP8 '), le32(payload.length), payload]);
}
const WEBP = webp(randomBytes(1_000));

const sentSchema = z.object({ id: z.string() });
/** The api's Message, with the fields this test reads (content kept whole). */
const messageSchema = z.object({
  id: z.string(),
  direction: z.string(),
  wamid: z.string().nullable(),
  replyToMessageId: z.string().nullable(),
  content: z.looseObject({ type: z.string() }),
});
type Listed = z.infer<typeof messageSchema>;
const graphSentSchema = z.object({ messages: z.array(z.object({ id: z.string() })) });

describe('every inbound message type through the api', () => {
  it('lists each type with its fields, links replies and reactions, and serves the image bytes', async () => {
    const { seed, urls } = stack();
    const staff = await staffClient(stack());
    const waId = randomWaId();
    const phoneNumberId = seed.whatsapp.phoneNumberId;

    const control = async (path: string, body: unknown): Promise<unknown> => {
      const response = await fetch(`${urls.simulatorControl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`simulator ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as unknown;
    };
    const patientSends = async (body: Record<string, unknown>): Promise<string> =>
      sentSchema.parse(await control(`/patients/${waId}/messages`, { phone_number_id: phoneNumberId, ...body })).id;
    /** A business message sent straight through the simulator's Graph API (what the patient taps on). */
    const businessSends = async (body: Record<string, unknown>): Promise<string> => {
      const response = await fetch(`${urls.simulator}/v21.0/${phoneNumberId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.whatsapp.accessToken}` },
        body: JSON.stringify({ messaging_product: 'whatsapp', to: waId, ...body }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`graph send: ${response.status} ${text}`);
      return graphSentSchema.parse(JSON.parse(text)).messages[0]!.id;
    };

    // text (opens the window), then a care-team reply Careline knows by wamid (for quotes and reactions)
    await stack().patientSays(waId, 'Hello there', { profileName: 'Pat Types' });
    const conversation = await waitFor(() => staff.conversationWith(waId), {
      message: 'the conversation to be listed',
      timeoutMs: 20_000,
    });
    const replyText = `Hi Pat (${randomBytes(3).toString('hex')})`;
    expect((await staff.reply(conversation.id, replyText)).status).toBe(202);
    const staffReply = await waitFor(
      async () => (await staff.messages(conversation.id)).find((m) => m.content.text === replyText && m.wamid !== null),
      { message: 'the staff reply to be accepted by Meta (wamid known)', timeoutMs: 20_000 },
    );

    const buttons = await businessSends({
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'Are you coming?' },
        action: { buttons: [{ type: 'reply', reply: { id: 'opt-yes', title: 'Yes' } }, { type: 'reply', reply: { id: 'opt-no', title: 'No' } }] },
      },
    });
    const list = await businessSends({
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: 'Pick a department' },
        action: { button: 'Choose', sections: [{ title: 'Departments', rows: [{ id: 'row-lab', title: 'Lab', description: 'Results' }] }] },
      },
    });
    const template = await businessSends({
      type: 'template',
      template: {
        name: 'welcome',
        language: { code: 'en_US' },
        components: [
          { type: 'header', parameters: [{ type: 'text', text: 'Careline' }] },
          { type: 'body', parameters: [{ type: 'text', text: 'Pat' }] },
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'TALK_TO_TEAM' }] },
        ],
      },
    });

    const media = (data: Buffer, mimeType: string, filename?: string) => ({
      data_base64: data.toString('base64'),
      mime_type: mimeType,
      ...(filename === undefined ? {} : { filename }),
    });
    const wamids = {
      image: await patientSends({ type: 'image', media: media(JPEG, 'image/jpeg'), caption: 'my rash' }),
      document: await patientSends({ type: 'document', media: media(PDF, 'application/pdf', 'referral.pdf'), caption: 'referral' }),
      audio: await patientSends({ type: 'audio', media: media(OGG, 'audio/ogg'), voice: true }),
      video: await patientSends({ type: 'video', media: media(MP4, 'video/mp4'), caption: 'how it moves' }),
      sticker: await patientSends({ type: 'sticker', media: media(WEBP, 'image/webp') }),
      location: await patientSends({ type: 'location', location: { latitude: 52.37, longitude: 4.89, name: 'Clinic', address: 'Main St 1' } }),
      buttonReply: await patientSends({ type: 'interactive', context: { message_id: buttons }, interactive: { type: 'button_reply', id: 'opt-yes' } }),
      listReply: await patientSends({ type: 'interactive', context: { message_id: list }, interactive: { type: 'list_reply', id: 'row-lab' } }),
      templateButton: await patientSends({ type: 'button', context: { message_id: template }, button: { index: 0 } }),
      reaction: await patientSends({ type: 'reaction', reaction: { message_id: staffReply.wamid, emoji: '👍' } }),
      quote: await patientSends({ type: 'text', text: 'About your message', context: { message_id: staffReply.wamid } }),
    };

    // contacts and unsupported: Meta-shaped, signed, straight to the gateway
    const contactsWamid = newWamid();
    const unsupportedWamid = newWamid();
    const raw = (message: Record<string, unknown>) =>
      JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: seed.whatsapp.wabaId,
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: seed.whatsapp.displayPhoneNumber, phone_number_id: phoneNumberId },
                  contacts: [{ profile: { name: 'Pat Types' }, wa_id: waId }],
                  messages: [{ from: waId, timestamp: String(Math.floor(Date.now() / 1000)), ...message }],
                },
              },
            ],
          },
        ],
      });
    for (const body of [
      raw({
        id: contactsWamid,
        type: 'contacts',
        contacts: [{ name: { formatted_name: 'Grace Hopper', first_name: 'Grace' }, phones: [{ phone: '+1 555 0100', type: 'CELL' }] }],
      }),
      raw({
        id: unsupportedWamid,
        type: 'unsupported',
        errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }],
      }),
    ]) {
      expect(await postWebhook(urls.webhook, body, sign(body, seed.whatsapp.appSecret))).toBe(200);
    }

    const expected = [...Object.values(wamids), contactsWamid, unsupportedWamid];
    const byWamid = async (): Promise<Map<string, Listed>> => {
      const response = await staff.listMessages(conversation.id);
      expect(response.status).toBe(200);
      const items = z.object({ items: z.array(messageSchema) }).parse(response.body).items;
      return new Map(items.flatMap((m) => (m.wamid === null ? [] : [[m.wamid, m] as const])));
    };
    const all = await waitFor(
      async () => {
        const listed = await byWamid();
        return expected.every((wamid) => listed.has(wamid)) ? listed : undefined;
      },
      { message: 'every inbound type to be listed by the api', timeoutMs: 30_000 },
    );
    const content = (wamid: string) => all.get(wamid)!.content as Record<string, unknown>;

    expect(content(wamids.image)).toMatchObject({ type: 'media', kind: 'image', caption: 'my rash' });
    expect(content(wamids.document)).toMatchObject({ type: 'media', kind: 'document', filename: 'referral.pdf', caption: 'referral' });
    expect(content(wamids.audio)).toMatchObject({ type: 'media', kind: 'voice' });
    expect(content(wamids.video)).toMatchObject({ type: 'media', kind: 'video', caption: 'how it moves' });
    expect(content(wamids.sticker)).toMatchObject({ type: 'media', kind: 'sticker' });
    expect(content(wamids.location)).toMatchObject({ type: 'location', latitude: 52.37, longitude: 4.89, name: 'Clinic', address: 'Main St 1' });
    expect(content(wamids.buttonReply)).toMatchObject({ type: 'reply', kind: 'button', replyId: 'opt-yes', title: 'Yes' });
    expect(content(wamids.listReply)).toMatchObject({ type: 'reply', kind: 'list', replyId: 'row-lab', title: 'Lab' });
    expect(content(wamids.templateButton)).toMatchObject({ type: 'reply', kind: 'template_button', replyId: 'TALK_TO_TEAM' });
    // a reaction is listed as its own message naming its target (the console draws it on the target)
    expect(content(wamids.reaction)).toMatchObject({ type: 'reaction', reactedToMessageId: staffReply.id, emoji: '👍' });
    expect(content(wamids.quote)).toMatchObject({ type: 'text', text: 'About your message' });
    expect(all.get(wamids.quote)).toMatchObject({ replyToMessageId: staffReply.id });
    expect(content(contactsWamid)).toMatchObject({ type: 'contacts', names: ['Grace Hopper'] });
    expect(content(unsupportedWamid)).toMatchObject({ type: 'unsupported', whatsappType: 'unsupported' });
    for (const wamid of expected) expect(all.get(wamid)?.direction).toBe('inbound');

    // every media message is fetched through the gateway and stored
    const mediaWamids = [wamids.image, wamids.document, wamids.audio, wamids.video, wamids.sticker];
    const stored = await waitFor(
      async () => {
        const listed = await byWamid();
        const states = mediaWamids.map((wamid) => (listed.get(wamid)?.content as { mediaState?: string }).mediaState);
        return states.every((state) => state === 'stored') ? listed : undefined;
      },
      { message: 'every media message to be fetched and stored', timeoutMs: 30_000 },
    );
    const image = stored.get(wamids.image)!;
    expect(image.content).toMatchObject({ mediaState: 'stored', sizeBytes: JPEG.length, mimeType: 'image/jpeg' });

    const download = await fetch(`${urls.api}/v1/conversations/${conversation.id}/messages/${image.id}/media`, {
      headers: { authorization: `Bearer ${staff.token}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect(download.headers.get('cache-control')).toBe('no-store');
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await download.arrayBuffer()).equals(JPEG)).toBe(true);

    const pdf = await fetch(`${urls.api}/v1/conversations/${conversation.id}/messages/${stored.get(wamids.document)!.id}/media`, {
      headers: { authorization: `Bearer ${staff.token}` },
    });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toContain('referral.pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).equals(PDF)).toBe(true);
  });
});
