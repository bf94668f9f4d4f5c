// Sample payloads for tests (`@careline/contracts/testing`): every field set, so a round trip or
// a consumer test sees real shapes. The Sealed values are opaque stand-ins that open with no key:
// tests that need to open them seal real values with `@careline/crypto/testing` instead.
import { createHash } from 'node:crypto';
import { type Sealed } from '../gen/careline/common/v1/sealed';
import { type AppointmentEventV1 } from '../gen/careline/events/v1/appointment_events';
import { type RecordEventV1 } from '../gen/careline/events/v1/record_events';
import { AuditActorType, AuditOutcome, type AuditEventV1 } from '../gen/careline/events/v1/audit_event';
import { DeliveryStatus, type MessageStatusV1 } from '../gen/careline/events/v1/message_status';
import { type OutboundRequestedV1 } from '../gen/careline/events/v1/outbound_requested';
import { type OutboundResultV1 } from '../gen/careline/events/v1/outbound_result';
import { type PatientMessageReceivedV1 } from '../gen/careline/events/v1/patient_message_received';
import { type PatientPreferenceChangedV1, PatientPreferenceValue } from '../gen/careline/events/v1/patient_preference_changed';
import { type TemplateStatusChangedV1 } from '../gen/careline/events/v1/template_status';
import { type WebhookReceivedV1 } from '../gen/careline/events/v1/webhook_received';

export const SAMPLE_TENANT_ID = '0b6f1c8e-5d2a-4c1e-9f3b-7a8d6e5c4b3a';
export const SAMPLE_PHONE_NUMBER_ID = '106540352242922';
export const SAMPLE_WABA_ID = '102290129340398';
export const SAMPLE_WAMID = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRCRDU2NjE3RkQ1QjE2QzU0MwA=';
export const SAMPLE_WA_ID_HASH = 'a3f5c0e1b2d4968778695a4b3c2d1e0f00112233445566778899aabbccddeeff';

function bytesOf(label: string, length: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(label).digest().subarray(0, length));
}

/** A stand-in Sealed value, distinct per label and stable across calls. */
export function sampleSealed(label = 'sealed'): Sealed {
  return {
    keyRef: 'test/v1',
    wrappedKey: bytesOf(`${label}/key`, 32),
    nonce: bytesOf(`${label}/nonce`, 12),
    ciphertext: bytesOf(`${label}/ciphertext`, 24),
  };
}

const sentAt = new Date('2025-03-04T09:15:00.000Z');
const receivedAt = new Date('2025-03-04T09:15:01.250Z');

export function sampleWebhookReceived(overrides: Partial<WebhookReceivedV1> = {}): WebhookReceivedV1 {
  return {
    body: sampleSealed('webhook/body'),
    receivedAt,
    phoneNumberIds: [SAMPLE_PHONE_NUMBER_ID],
    wabaIds: [SAMPLE_WABA_ID],
    bodySha256: createHash('sha256').update('webhook body').digest('hex'),
    tenantId: SAMPLE_TENANT_ID,
    ...overrides,
  };
}

/** A patient's text message; pass `content` (and more) to get another kind. */
export function samplePatientMessageReceived(
  overrides: Partial<PatientMessageReceivedV1> = {},
): PatientMessageReceivedV1 {
  return {
    tenantId: SAMPLE_TENANT_ID,
    messageId: '5f0c2b9e-1d3a-4e6f-8a7b-9c0d1e2f3a4b',
    wamid: SAMPLE_WAMID,
    phoneNumberId: SAMPLE_PHONE_NUMBER_ID,
    waId: sampleSealed('patient/wa_id'),
    waIdHash: SAMPLE_WA_ID_HASH,
    patientId: '7d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6',
    sentAt,
    receivedAt,
    profileName: sampleSealed('patient/profile_name'),
    context: { repliedToWamid: 'wamid.replied', forwarded: false, frequentlyForwarded: false },
    content: { $case: 'text', value: { body: sampleSealed('patient/text') } },
    ...overrides,
  };
}

export function sampleMessageStatus(overrides: Partial<MessageStatusV1> = {}): MessageStatusV1 {
  return {
    tenantId: SAMPLE_TENANT_ID,
    wamid: SAMPLE_WAMID,
    messageId: '2a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7a8b',
    phoneNumberId: SAMPLE_PHONE_NUMBER_ID,
    recipientWaId: sampleSealed('status/recipient'),
    recipientWaIdHash: SAMPLE_WA_ID_HASH,
    status: DeliveryStatus.DELIVERY_STATUS_DELIVERED,
    statusAt: sentAt,
    errors: [],
    pricing: { category: 'service', type: 'free_customer_service', pricingModel: 'PMP', billable: false },
    conversation: { id: 'conv-1', originType: 'service', expiresAt: new Date('2025-03-05T09:15:00.000Z') },
    ...overrides,
  };
}

/** A free-text send request; pass `content` to get another kind. */
export function sampleOutboundRequested(overrides: Partial<OutboundRequestedV1> = {}): OutboundRequestedV1 {
  return {
    tenantId: SAMPLE_TENANT_ID,
    phoneNumberId: SAMPLE_PHONE_NUMBER_ID,
    recipientWaId: sampleSealed('outbound/recipient'),
    recipientWaIdHash: SAMPLE_WA_ID_HASH,
    messageId: '3b4c5d6e-7f80-4192-a3b4-c5d6e7f8a9b0',
    idempotencyKey: '3b4c5d6e-7f80-4192-a3b4-c5d6e7f8a9b0',
    requestedAt: sentAt,
    replyToWamid: '',
    content: { $case: 'text', value: { body: sampleSealed('outbound/text'), previewUrl: false } },
    ...overrides,
  };
}

export function sampleOutboundResult(overrides: Partial<OutboundResultV1> = {}): OutboundResultV1 {
  return {
    tenantId: SAMPLE_TENANT_ID,
    messageId: '3b4c5d6e-7f80-4192-a3b4-c5d6e7f8a9b0',
    idempotencyKey: '3b4c5d6e-7f80-4192-a3b4-c5d6e7f8a9b0',
    phoneNumberId: SAMPLE_PHONE_NUMBER_ID,
    recipientWaIdHash: SAMPLE_WA_ID_HASH,
    completedAt: receivedAt,
    attempts: 1,
    outcome: { $case: 'accepted', value: { wamid: SAMPLE_WAMID } },
    ...overrides,
  };
}

export function sampleAuditEvent(overrides: Partial<AuditEventV1> = {}): AuditEventV1 {
  return {
    tenantId: SAMPLE_TENANT_ID,
    actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_STAFF, id: 'user-42' },
    action: 'message.sent',
    patientId: '7d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6',
    patientWaIdHash: SAMPLE_WA_ID_HASH,
    resource: { type: 'message', id: '3b4c5d6e-7f80-4192-a3b4-c5d6e7f8a9b0' },
    outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
    occurredAt: sentAt,
    detail: { conversation_id: '9e8d7c6b-5a49-4837-a261-504f3e2d1c0b' },
    ...overrides,
  };
}

export function sampleAppointmentEvent(overrides: Partial<AppointmentEventV1> = {}): AppointmentEventV1 {
  return {
    tenantId: SAMPLE_TENANT_ID,
    eventId: '5e6f7081-92a3-44b5-86c7-d8e9f0a1b2c3',
    appointmentId: '6f708192-a3b4-45c6-97d8-e9f0a1b2c3d4',
    patientId: '7d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6',
    patientWaIdHash: SAMPLE_WA_ID_HASH,
    patientWaId: sampleSealed('appointment/wa_id'),
    clinicId: '708192a3-b4c5-46d7-a8e9-f0a1b2c3d4e5',
    clinicianId: '8192a3b4-c5d6-47e8-b9f0-a1b2c3d4e5f6',
    appointmentTypeId: '92a3b4c5-d6e7-48f9-8a0b-1c2d3e4f5a6b',
    startsAt: new Date('2026-01-20T09:00:00.000Z'),
    endsAt: new Date('2026-01-20T09:30:00.000Z'),
    externalId: 'EHR-1234',
    occurredAt: sentAt,
    actorType: 'staff',
    change: { $case: 'rescheduled', value: { previousStartsAt: new Date('2026-01-19T09:00:00.000Z'), previousClinicianId: '8192a3b4-c5d6-47e8-b9f0-a1b2c3d4e5f6' } },
    ...overrides,
  };
}

export function sampleRecordEvent(overrides: Partial<RecordEventV1> = {}): RecordEventV1 {
  return {
    tenantId: SAMPLE_TENANT_ID,
    patientId: '7d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6',
    occurredAt: sentAt,
    actor: 'user:nurse-1',
    event: {
      $case: 'documentShared',
      value: {
        shareId: 'a1b2c3d4-e5f6-4789-8abc-def012345678',
        documentId: 'b2c3d4e5-f6a7-489b-9cde-f0123456789a',
        expiresAt: new Date('2026-01-18T09:00:00.000Z'),
        noticeMessageId: '3b4c5d6e-7f80-4192-a3b4-c5d6e7f8a9b0',
      },
    },
    ...overrides,
  };
}

export function samplePatientPreferenceChanged(overrides: Partial<PatientPreferenceChangedV1> = {}): PatientPreferenceChangedV1 {
  return {
    tenantId: SAMPLE_TENANT_ID,
    eventId: 'c4d5e6f7-a8b9-4c0d-8e1f-2a3b4c5d6e7f',
    phoneNumberId: SAMPLE_PHONE_NUMBER_ID,
    waId: sampleSealed('preference/wa_id'),
    waIdHash: SAMPLE_WA_ID_HASH,
    category: 'marketing_messages',
    value: PatientPreferenceValue.PATIENT_PREFERENCE_VALUE_STOP,
    changedAt: sentAt,
    ...overrides,
  };
}

export function sampleTemplateStatusChanged(overrides: Partial<TemplateStatusChangedV1> = {}): TemplateStatusChangedV1 {
  return {
    tenantId: SAMPLE_TENANT_ID,
    eventId: 'd5e6f7a8-b9c0-4d1e-8f2a-3b4c5d6e7f80',
    wabaId: SAMPLE_WABA_ID,
    templateId: '1234567890',
    templateName: 'appointment_reminder',
    languageCode: 'en_US',
    status: 'REJECTED',
    reason: 'INCORRECT_CATEGORY',
    changedAt: sentAt,
    ...overrides,
  };
}

/** One sample payload per topic, under the same names as TOPICS and EVENTS. */
export const SAMPLE_PAYLOADS = {
  webhookReceived: sampleWebhookReceived,
  patientMessageReceived: samplePatientMessageReceived,
  messageStatus: sampleMessageStatus,
  outboundRequested: sampleOutboundRequested,
  outboundResult: sampleOutboundResult,
  auditEvents: sampleAuditEvent,
  recordEvents: sampleRecordEvent,
  appointmentEvents: sampleAppointmentEvent,
  patientPreferenceChanged: samplePatientPreferenceChanged,
  templateStatus: sampleTemplateStatusChanged,
} as const;
