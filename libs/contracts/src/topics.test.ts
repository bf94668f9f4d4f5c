import { describe, expect, it } from 'vitest';
import {
  AuditActorType,
  AuditOutcome,
  ContactCards,
  DeliveryStatus,
  EVENTS,
  EVENT_KEYS,
  LocationDetails,
  MalformedPayloadError,
  MediaKind,
  TOPICS,
  TOPIC_PROVISIONING,
  TemplateButtonSubType,
  TemplateComponentType,
  dlqTopic,
  sealContext,
  type EventDescriptor,
  type OutboundRequestedV1,
  type OutboundResultV1,
  type PatientMessageReceivedV1,
} from './index';
import {
  SAMPLE_PAYLOADS,
  sampleAppointmentEvent,
  sampleAuditEvent,
  sampleMessageStatus,
  sampleOutboundRequested,
  sampleOutboundResult,
  samplePatientMessageReceived,
  sampleSealed,
  sampleWebhookReceived,
} from './testing/index';

// DESIGN.md's Events table, copied: the topics Careline has agreed on. The two marked `later`
// arrive with the scheduling and records issues; when they do, move them out of `later`.
const DESIGN_TOPICS = [
  'wa.webhook.received.v1',
  'patient.message.received.v1',
  'wa.message.status.v1',
  'wa.outbound.requested.v1',
  'wa.outbound.result.v1',
  'appointment.events.v1',
  'record.events.v1',
  'audit.events.v1',
  // ingest → messaging: Meta's user_preferences (templates and consent; the DESIGN.md row is proposed)
  'patient.preference.changed.v1',
  // ingest → messaging: Meta's message_template_status_update (template registry; the DESIGN.md row is proposed)
  'wa.template.status.v1',
];
const LATER = new Set<string>([]);

const descriptors: readonly EventDescriptor<unknown>[] = Object.values(EVENTS);

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function roundTrip<T>(descriptor: EventDescriptor<T>, payload: T): T {
  return descriptor.decode(descriptor.encode(payload));
}

type InboundContent = NonNullable<PatientMessageReceivedV1['content']>;
type OutboundContent = NonNullable<OutboundRequestedV1['content']>;
type Outcome = NonNullable<OutboundResultV1['outcome']>;

// Keyed by `$case` and checked with `satisfies`, so adding a oneof variant to the proto fails the
// typecheck here until the new variant has a sample.
const inboundContents = {
  text: { $case: 'text', value: { body: sampleSealed('text') } },
  image: {
    $case: 'image',
    value: {
      mediaId: 'media-1',
      mimeType: 'image/jpeg',
      sha256: 'c2hhMjU2',
      caption: sampleSealed('caption'),
      voice: false,
      animated: false,
    },
  },
  video: {
    $case: 'video',
    value: {
      mediaId: 'media-2',
      mimeType: 'video/mp4',
      sha256: 'x',
      caption: sampleSealed('v'),
      voice: false,
      animated: false,
    },
  },
  audio: {
    $case: 'audio',
    value: {
      mediaId: 'media-3',
      mimeType: 'audio/ogg; codecs=opus',
      sha256: 'x',
      voice: true,
      animated: false,
    },
  },
  document: {
    $case: 'document',
    value: {
      mediaId: 'media-4',
      mimeType: 'application/pdf',
      sha256: 'x',
      caption: sampleSealed('c'),
      filename: sampleSealed('f'),
      voice: false,
      animated: false,
    },
  },
  sticker: {
    $case: 'sticker',
    value: { mediaId: 'media-5', mimeType: 'image/webp', sha256: 'x', voice: false, animated: true },
  },
  location: { $case: 'location', value: { details: sampleSealed('location') } },
  contacts: { $case: 'contacts', value: { cards: sampleSealed('contacts') } },
  buttonReply: { $case: 'buttonReply', value: { buttonId: 'confirm', title: sampleSealed('title') } },
  listReply: {
    $case: 'listReply',
    value: { rowId: 'slot-2', title: sampleSealed('row'), description: sampleSealed('desc') },
  },
  templateButtonReply: {
    $case: 'templateButtonReply',
    value: { payload: 'appointment:123:confirm', text: sampleSealed('btn') },
  },
  reaction: { $case: 'reaction', value: { reactedToWamid: 'wamid.abc', emoji: sampleSealed('emoji') } },
  unsupported: {
    $case: 'unsupported',
    value: {
      type: 'unsupported',
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          details: 'not supported',
          href: 'https://example.test',
        },
      ],
    },
  },
} as const satisfies { [K in InboundContent['$case']]: Extract<InboundContent, { $case: K }> };

const outboundContents = {
  text: { $case: 'text', value: { body: sampleSealed('text'), previewUrl: true } },
  template: {
    $case: 'template',
    value: {
      name: 'appointment_reminder',
      languageCode: 'en_US',
      components: [
        {
          type: TemplateComponentType.TEMPLATE_COMPONENT_TYPE_HEADER,
          subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_UNSPECIFIED,
          index: 0,
          parameters: [
            {
              parameterName: '',
              value: {
                $case: 'media',
                value: { kind: MediaKind.MEDIA_KIND_IMAGE, source: { $case: 'mediaId', value: 'm-1' } },
              },
            },
          ],
        },
        {
          type: TemplateComponentType.TEMPLATE_COMPONENT_TYPE_BODY,
          subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_UNSPECIFIED,
          index: 0,
          parameters: [
            { parameterName: 'patient_name', value: { $case: 'text', value: sampleSealed('name') } },
          ],
        },
        {
          type: TemplateComponentType.TEMPLATE_COMPONENT_TYPE_BUTTON,
          subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_QUICK_REPLY,
          index: 1,
          parameters: [{ parameterName: '', value: { $case: 'payload', value: 'appointment:123:cancel' } }],
        },
      ],
    },
  },
  media: {
    $case: 'media',
    value: {
      kind: MediaKind.MEDIA_KIND_DOCUMENT,
      source: { $case: 'link', value: sampleSealed('link') },
      caption: sampleSealed('caption'),
      filename: sampleSealed('filename'),
    },
  },
  buttons: {
    $case: 'buttons',
    value: {
      headerText: sampleSealed('h'),
      body: sampleSealed('b'),
      footer: sampleSealed('f'),
      buttons: [{ id: 'yes', title: sampleSealed('yes') }],
    },
  },
  list: {
    $case: 'list',
    value: {
      body: sampleSealed('b'),
      buttonText: sampleSealed('open'),
      sections: [
        {
          title: sampleSealed('s'),
          rows: [{ id: 'slot-1', title: sampleSealed('r'), description: sampleSealed('d') }],
        },
      ],
    },
  },
  reaction: { $case: 'reaction', value: { wamid: 'wamid.abc', emoji: sampleSealed('emoji') } },
  markAsRead: { $case: 'markAsRead', value: { wamid: 'wamid.abc', typingIndicator: true } },
} as const satisfies { [K in OutboundContent['$case']]: Extract<OutboundContent, { $case: K }> };

const outcomes = {
  accepted: { $case: 'accepted', value: { wamid: 'wamid.sent' } },
  failed: {
    $case: 'failed',
    value: {
      metaErrorCode: 131047,
      title: 'Re-engagement message',
      details: 'outside window',
      retryable: false,
      httpStatus: 400,
      code: '',
    },
  },
} as const satisfies { [K in Outcome['$case']]: Extract<Outcome, { $case: K }> };

describe('event descriptors', () => {
  it('exist for every topic of DESIGN.md that exists now, and only for those', () => {
    const described = descriptors.map((d) => d.topic).sort();
    const expected = DESIGN_TOPICS.filter((topic) => !LATER.has(topic)).sort();
    expect(described).toEqual(expected);
  });

  it('pair each TOPICS entry with the descriptor of the same name, typed careline.<topic>', () => {
    for (const [name, topic] of Object.entries(TOPICS)) {
      const descriptor = EVENTS[name as keyof typeof EVENTS];
      expect(descriptor.topic).toBe(topic);
      expect(descriptor.type).toBe(`careline.${topic}`);
    }
  });

  it('round-trip a sample of every payload type', () => {
    expect(roundTrip(EVENTS.webhookReceived, sampleWebhookReceived())).toEqual(sampleWebhookReceived());
    expect(roundTrip(EVENTS.patientMessageReceived, samplePatientMessageReceived())).toEqual(
      samplePatientMessageReceived(),
    );
    expect(roundTrip(EVENTS.messageStatus, sampleMessageStatus())).toEqual(sampleMessageStatus());
    expect(roundTrip(EVENTS.outboundRequested, sampleOutboundRequested())).toEqual(sampleOutboundRequested());
    expect(roundTrip(EVENTS.outboundResult, sampleOutboundResult())).toEqual(sampleOutboundResult());
    expect(roundTrip(EVENTS.auditEvents, sampleAuditEvent())).toEqual(sampleAuditEvent());
    expect(roundTrip(EVENTS.appointmentEvents, sampleAppointmentEvent())).toEqual(sampleAppointmentEvent());
  });

  it.each(Object.values(inboundContents))('round-trip an inbound $case message', (content) => {
    const payload = samplePatientMessageReceived({ content });
    const decoded = roundTrip(EVENTS.patientMessageReceived, payload);
    expect(decoded).toEqual(payload);
    expect(decoded.content?.$case).toBe(content.$case);
  });

  it.each(Object.values(outboundContents))('round-trip an outbound $case request', (content) => {
    const payload = sampleOutboundRequested({ content });
    expect(roundTrip(EVENTS.outboundRequested, payload)).toEqual(payload);
  });

  it.each(Object.values(outcomes))('round-trip a $case outbound result', (outcome) => {
    const payload = sampleOutboundResult({ outcome });
    expect(roundTrip(EVENTS.outboundResult, payload)).toEqual(payload);
  });

  it('round-trip status and audit variants with errors and enums other than the default', () => {
    const failed = sampleMessageStatus({
      status: DeliveryStatus.DELIVERY_STATUS_FAILED,
      errors: [{ code: 131026, title: 'Message undeliverable', details: '', href: '' }],
    });
    expect(roundTrip(EVENTS.messageStatus, failed)).toEqual(failed);
    const denied = sampleAuditEvent({
      actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_SYSTEM, id: 'scheduling' },
      outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
      detail: { reason: 'opted_out', attempt: '2' },
    });
    expect(roundTrip(EVENTS.auditEvents, denied)).toEqual(denied);
  });

  it('keep the sealed plaintext types decodable on their own', () => {
    const location = { latitude: 51.5072, longitude: -0.1276, name: 'Clinic', address: '1 Road', url: '' };
    expect(LocationDetails.decode(LocationDetails.encode(location).finish())).toEqual(location);
    const cards = {
      cards: [
        {
          formattedName: 'A B',
          firstName: 'A',
          lastName: 'B',
          phones: [{ phone: '+1 555', waId: '1555', type: 'CELL' }],
          emails: [{ email: 'a@example.test', type: 'WORK' }],
          organization: '',
          birthday: '1990-01-02',
        },
      ],
    };
    expect(ContactCards.decode(ContactCards.encode(cards).finish())).toEqual(cards);
  });

  it.each(descriptors)(
    '$topic: decode rejects truncated and invalid bytes without quoting them',
    (descriptor) => {
      // field 1, length-delimited, claims 5 bytes but carries 1
      expect(() => descriptor.decode(Uint8Array.of(0x0a, 0x05, 0x41))).toThrow(MalformedPayloadError);
      // field number 0 is invalid protobuf; generated decoders would stop there silently
      expect(() => descriptor.decode(Uint8Array.of(0x00, 0x41, 0x42))).toThrow(MalformedPayloadError);
      // a stray end-group tag at the top level
      expect(() => descriptor.decode(Uint8Array.of(0x0c))).toThrow(MalformedPayloadError);
      // a patient's text would sit in such bytes: the error names topic and type, nothing of the bytes
      const error = thrownBy(() => descriptor.decode(Uint8Array.of(0x0a, 0x05, 0x50, 0x48, 0x49)));
      expect(error).toMatchObject({ code: 'undecodable_payload', retryable: false, topic: descriptor.topic });
      expect((error as Error).message).toMatch(
        new RegExp(`^payload on ${descriptor.topic.replaceAll('.', '\\.')} is not a valid \\w+V1$`),
      );
    },
  );

  it('decode an empty value as the all-defaults payload (valid protobuf)', () => {
    expect(EVENTS.auditEvents.decode(new Uint8Array()).tenantId).toBe('');
  });
});

describe('topics', () => {
  it('name each dead-letter topic <topic>.dlq and refuse a dead letter of a dead letter', () => {
    expect(dlqTopic('wa.webhook.received.v1')).toBe('wa.webhook.received.v1.dlq');
    expect(() => dlqTopic('wa.webhook.received.v1.dlq')).toThrow(TypeError);
    expect(() => dlqTopic('')).toThrow(TypeError);
  });

  it('provision every topic and its dead-letter companion once, with partitions', () => {
    const names = TOPIC_PROVISIONING.map((t) => t.topic);
    expect(new Set(names).size).toBe(names.length);
    for (const topic of Object.values(TOPICS)) {
      expect(names).toContain(topic);
      expect(names).toContain(`${topic}.dlq`);
    }
    expect(names).toHaveLength(Object.values(TOPICS).length * 2);
    for (const { partitions } of TOPIC_PROVISIONING)
      expect(Number.isInteger(partitions) && partitions > 0).toBe(true);
  });

  it('key events as DESIGN.md says, with the wa_id hash in place of the number', () => {
    const inbound = samplePatientMessageReceived({ tenantId: 't1', waIdHash: 'h1' });
    expect(EVENT_KEYS.patientMessageReceived(inbound)).toBe('t1:h1');
    expect(EVENT_KEYS.messageStatus(sampleMessageStatus({ tenantId: 't1', recipientWaIdHash: 'h2' }))).toBe(
      't1:h2',
    );
    expect(EVENT_KEYS.outboundResult(sampleOutboundResult({ tenantId: 't1', recipientWaIdHash: 'h3' }))).toBe(
      't1:h3',
    );
    expect(EVENT_KEYS.outboundRequested(sampleOutboundRequested({ phoneNumberId: 'pn-1' }))).toBe('pn-1');
    expect(EVENT_KEYS.auditEvents(sampleAuditEvent({ tenantId: 't1' }))).toBe('t1');
    expect(EVENT_KEYS.webhookReceived(sampleWebhookReceived({ phoneNumberIds: ['pn-2', 'pn-3'] }))).toBe(
      'pn-2',
    );
    // account-level webhooks concern a WhatsApp Business Account, not a number
    expect(
      EVENT_KEYS.webhookReceived(sampleWebhookReceived({ phoneNumberIds: [], wabaIds: ['waba-1'] })),
    ).toBe('waba-1');
  });

  it('refuse to key an event that lacks its key fields', () => {
    expect(() => EVENT_KEYS.patientMessageReceived(samplePatientMessageReceived({ waIdHash: '' }))).toThrow(
      TypeError,
    );
    expect(() =>
      EVENT_KEYS.webhookReceived(sampleWebhookReceived({ phoneNumberIds: [], wabaIds: [] })),
    ).toThrow(TypeError);
    expect(() => EVENT_KEYS.auditEvents(sampleAuditEvent({ tenantId: '' }))).toThrow(TypeError);
  });

  it('build the sealed context from topic and payload id', () => {
    expect(sealContext(TOPICS.patientMessageReceived, 'm-1')).toBe('patient.message.received.v1:m-1');
    expect(() => sealContext(TOPICS.outboundRequested, '')).toThrow(TypeError);
  });

  it('have a sample payload per topic for other projects tests', () => {
    for (const [name, build] of Object.entries(SAMPLE_PAYLOADS)) {
      const descriptor = EVENTS[name as keyof typeof EVENTS] as EventDescriptor<unknown>;
      const payload: unknown = build();
      expect(descriptor.decode(descriptor.encode(payload))).toEqual(payload);
    }
  });
});
