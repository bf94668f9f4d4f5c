import {
  ContactCards,
  LocationDetails,
  MessageMediaKind,
  MessageMediaState,
  MessageReplyKind,
  type PatientMessageReceivedV1,
} from '@careline/contracts';
import { testSealer } from '@careline/crypto/testing';
import { describe, expect, it } from 'vitest';
import { eventOpener } from '../domain/sealing';
import { inboundContent } from './inbound-content';

const tenant = '0b6f1c8e-5d2a-4c1e-9f3b-7a8d6e5c4b3a';
const context = 'patient.message.received.v1:5f0c2b9e-1d3a-4e6f-8a7b-9c0d1e2f3a4b';
const sealer = testSealer();
const seal = (value: string | Uint8Array) => sealer.seal(tenant, value, context);
const options = {
  open: eventOpener(sealer, tenant, context),
  messageIdForWamid: (wamid: string) => Promise.resolve(wamid === 'wamid.known' ? 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9' : undefined),
};

async function map(content: PatientMessageReceivedV1['content']) {
  return inboundContent(content, options);
}

describe('inboundContent', () => {
  it('opens text, media captions and file names', async () => {
    expect(await map({ $case: 'text', value: { body: await seal('Hi') } })).toEqual({ $case: 'text', value: { body: 'Hi' } });
    const media = { mediaId: 'm1', mimeType: 'audio/ogg', sha256: 'x', caption: undefined, filename: undefined, voice: true, animated: false };
    expect(await map({ $case: 'audio', value: media })).toEqual({
      $case: 'media',
      value: {
        kind: MessageMediaKind.MESSAGE_MEDIA_KIND_VOICE,
        mimeType: 'audio/ogg',
        caption: '',
        filename: '',
        mediaRef: '',
        // stored at once, fetched later by the media job
        state: MessageMediaState.MESSAGE_MEDIA_STATE_PENDING,
        sizeBytes: 0,
      },
    });
    expect(await map({ $case: 'image', value: { ...media, mediaId: '' } })).toMatchObject({
      value: { state: MessageMediaState.MESSAGE_MEDIA_STATE_FAILED },
    });
    const document = { ...media, mimeType: 'application/pdf', voice: false, caption: await seal('my scan'), filename: await seal('scan.pdf') };
    expect(await map({ $case: 'document', value: document })).toMatchObject({
      value: { kind: MessageMediaKind.MESSAGE_MEDIA_KIND_DOCUMENT, caption: 'my scan', filename: 'scan.pdf' },
    });
  });

  it('decodes the serialized location and contact cards', async () => {
    const location = LocationDetails.encode({ latitude: 52.5, longitude: 13.4, name: 'Home', address: 'Street 1', url: '' }).finish();
    expect(await map({ $case: 'location', value: { details: await seal(location) } })).toEqual({
      $case: 'location',
      value: { latitude: 52.5, longitude: 13.4, name: 'Home', address: 'Street 1' },
    });
    const cards = ContactCards.encode({
      cards: [{ formattedName: 'Grace Hopper', firstName: '', lastName: '', phones: [], emails: [], organization: '', birthday: '' }],
    }).finish();
    expect(await map({ $case: 'contacts', value: { cards: await seal(cards) } })).toEqual({ $case: 'contacts', value: { names: ['Grace Hopper'] } });
  });

  it('maps replies and reactions, linking the reacted-to message when messaging knows it', async () => {
    expect(await map({ $case: 'templateButtonReply', value: { payload: 'confirm:42', text: await seal('Confirm') } })).toEqual({
      $case: 'reply',
      value: { kind: MessageReplyKind.MESSAGE_REPLY_KIND_TEMPLATE_BUTTON, replyId: 'confirm:42', title: 'Confirm' },
    });
    expect(await map({ $case: 'listReply', value: { rowId: 'r1', title: await seal('Monday'), description: undefined } })).toMatchObject({
      value: { kind: MessageReplyKind.MESSAGE_REPLY_KIND_LIST, replyId: 'r1', title: 'Monday' },
    });
    expect(await map({ $case: 'reaction', value: { reactedToWamid: 'wamid.known', emoji: await seal('👍') } })).toEqual({
      $case: 'reaction',
      value: { reactedToMessageId: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9', emoji: '👍' },
    });
    expect(await map({ $case: 'reaction', value: { reactedToWamid: 'wamid.unknown', emoji: undefined } })).toEqual({
      $case: 'reaction',
      value: { reactedToMessageId: '', emoji: '' },
    });
  });

  it('shows unknown and unsupported messages as such', async () => {
    expect(await map(undefined)).toEqual({ $case: 'unsupported', value: { type: 'unknown' } });
    expect(await map({ $case: 'unsupported', value: { type: 'order', errors: [] } })).toEqual({ $case: 'unsupported', value: { type: 'order' } });
  });

  it('refuses, without retry, a value sealed for another context', async () => {
    const foreign = await sealer.seal(tenant, 'Hi', 'patient.message.received.v1:other');
    await expect(map({ $case: 'text', value: { body: foreign } })).rejects.toMatchObject({ code: 'undecryptable_event', retryable: false });
  });
});
