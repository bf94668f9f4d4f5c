// proto → REST: every content variant, enum values this api does not know, proto3's empty
// strings as null, and the window as of the clock. Each view must satisfy its own schema.
import {
  MessageDirection,
  MessageMediaKind,
  MessageMediaState,
  MessageReplyKind,
  MessageState,
  type Message,
} from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { sampleConversation, sampleMessage } from '../testing/fake-messaging';
import { conversationSchema, toConversationView } from './conversations';
import { messageSchema, toMessageView } from './messages';

const TENANT = '0b6f1c8e-5d2a-4c1e-9f3b-7a8d6e5c4b3a';

describe('toConversationView', () => {
  it('maps a conversation and says whether the window is open now', () => {
    const until = new Date('2025-03-05T09:00:00.000Z');
    const conversation = sampleConversation({
      tenantId: TENANT,
      windowOpenUntil: until,
      patientId: 'p-1',
      assignedTo: 'user:nurse-1',
      unreadCount: 3,
    });
    const before = toConversationView(conversation, new Date('2025-03-05T08:59:59.999Z'));
    expect(conversationSchema.parse(before)).toEqual(before);
    expect(before).toMatchObject({
      id: conversation.id,
      patient: {
        id: 'p-1',
        displayName: conversation.patientDisplayName,
        phoneNumber: conversation.patientPhoneNumber,
      },
      windowOpenUntil: '2025-03-05T09:00:00.000Z',
      windowOpen: true,
      assignedTo: 'user:nurse-1',
      unreadCount: 3,
    });
    expect(toConversationView(conversation, until).windowOpen).toBe(false);
  });

  it('turns unset proto3 fields into nulls', () => {
    const view = toConversationView(
      sampleConversation({
        tenantId: TENANT,
        patientDisplayName: '',
        patientPhoneNumber: '',
        lastMessagePreview: '',
        lastMessageAt: undefined,
        windowOpenUntil: undefined,
        createdAt: undefined,
      }),
      new Date(),
    );
    expect(view).toMatchObject({
      patient: { id: null, displayName: null, phoneNumber: null },
      lastMessageAt: null,
      lastMessagePreview: null,
      windowOpenUntil: null,
      windowOpen: false,
      assignedTo: null,
      createdAt: null,
    });
    expect(() => conversationSchema.parse(view)).not.toThrow();
  });
});

describe('toMessageView', () => {
  const variants: [Message['content'], unknown][] = [
    [
      { $case: 'text', value: { body: 'hi' } },
      { type: 'text', text: 'hi' },
    ],
    [
      {
        $case: 'media',
        value: {
          kind: MessageMediaKind.MESSAGE_MEDIA_KIND_DOCUMENT,
          mimeType: 'application/pdf',
          caption: '',
          filename: 'a.pdf',
          mediaRef: 'media-1',
          state: MessageMediaState.MESSAGE_MEDIA_STATE_STORED,
          sizeBytes: 1234,
        },
      },
      {
        type: 'media',
        kind: 'document',
        mimeType: 'application/pdf',
        caption: null,
        filename: 'a.pdf',
        mediaRef: 'media-1',
        mediaState: 'stored',
        sizeBytes: 1234,
      },
    ],
    [
      {
        $case: 'media',
        value: {
          kind: MessageMediaKind.MESSAGE_MEDIA_KIND_IMAGE,
          mimeType: 'image/jpeg',
          caption: '',
          filename: '',
          mediaRef: '',
          state: MessageMediaState.MESSAGE_MEDIA_STATE_FAILED,
          sizeBytes: 0,
        },
      },
      {
        type: 'media',
        kind: 'image',
        mimeType: 'image/jpeg',
        caption: null,
        filename: null,
        mediaRef: null,
        mediaState: 'failed',
        sizeBytes: null,
      },
    ],
    [
      { $case: 'location', value: { latitude: 52.1, longitude: 4.3, name: 'Clinic', address: '' } },
      { type: 'location', latitude: 52.1, longitude: 4.3, name: 'Clinic', address: null },
    ],
    [
      { $case: 'contacts', value: { names: ['A', 'B'] } },
      { type: 'contacts', names: ['A', 'B'] },
    ],
    [
      {
        $case: 'reply',
        value: {
          kind: MessageReplyKind.MESSAGE_REPLY_KIND_TEMPLATE_BUTTON,
          replyId: 'confirm',
          title: 'Confirm',
        },
      },
      { type: 'reply', kind: 'template_button', replyId: 'confirm', title: 'Confirm' },
    ],
    [
      { $case: 'reaction', value: { reactedToMessageId: 'm-1', emoji: '' } },
      { type: 'reaction', reactedToMessageId: 'm-1', emoji: null },
    ],
    [
      {
        $case: 'template',
        value: { name: 'appointment_reminder', languageCode: 'en_US', previewText: 'Reminder' },
      },
      { type: 'template', name: 'appointment_reminder', languageCode: 'en_US', previewText: 'Reminder' },
    ],
    [
      { $case: 'interactive', value: { body: 'Pick', options: ['1', '2'] } },
      { type: 'interactive', body: 'Pick', options: ['1', '2'] },
    ],
    [
      { $case: 'unsupported', value: { type: 'order' } },
      { type: 'unsupported', whatsappType: 'order' },
    ],
    [undefined, { type: 'unsupported', whatsappType: null }],
  ];

  it.each(variants)('maps content %j', (content, expected) => {
    const view = toMessageView(sampleMessage({ conversationId: 'c-1', content }));
    expect(view.content).toEqual(expected);
    expect(messageSchema.parse(view)).toEqual(view);
  });

  it('maps directions and states; values it does not know become unknown', () => {
    const outbound = toMessageView(
      sampleMessage({
        conversationId: 'c-1',
        direction: MessageDirection.MESSAGE_DIRECTION_OUTBOUND,
        status: {
          state: MessageState.MESSAGE_STATE_DELIVERED,
          errorCode: '',
          reason: '',
          updatedAt: new Date(0),
        },
        sentBy: 'user:nurse-1',
        wamid: '',
      }),
    );
    expect(outbound).toMatchObject({
      direction: 'outbound',
      status: { state: 'delivered', errorCode: null, reason: null },
      sentBy: 'user:nurse-1',
      wamid: null,
    });
    const odd = toMessageView(
      sampleMessage({
        conversationId: 'c-1',
        direction: MessageDirection.UNRECOGNIZED,
        status: undefined,
        content: {
          $case: 'media',
          value: {
            kind: MessageMediaKind.UNRECOGNIZED,
            mimeType: '',
            caption: '',
            filename: '',
            mediaRef: '',
            state: MessageMediaState.UNRECOGNIZED,
            sizeBytes: 0,
          },
        },
      }),
    );
    expect(odd).toMatchObject({
      direction: 'unknown',
      status: { state: 'unknown', updatedAt: null },
      content: { kind: 'unknown', mediaState: 'unknown' },
    });
    expect(() => messageSchema.parse(odd)).not.toThrow();
  });
});
