// Builders for the model tests: api shapes with sensible defaults, parsed through the same
// schemas the browser uses (so a fixture can never drift from what the console accepts).
import {
  type Appointment,
  AppointmentSchema,
  type Conversation,
  ConversationSchema,
  type DocumentShare,
  DocumentShareSchema,
  type Message,
  MessageSchema,
  type StreamEvent,
  StreamEventSchema,
  type Template,
  TemplateSchema,
} from '../schemas';

export function conversation(overrides: Partial<Conversation> = {}): Conversation {
  return ConversationSchema.parse({
    id: 'c1',
    patient: { id: null, displayName: 'Pat Doe', phoneNumber: '+15551230001' },
    patientId: null,
    contactState: 'unverified',
    lastMessageAt: '2026-01-01T10:00:00.000Z',
    lastMessagePreview: 'Hello',
    unreadCount: 1,
    windowOpenUntil: '2026-01-02T10:00:00.000Z',
    windowOpen: true,
    assignedTo: null,
    optedOut: false,
    restricted: false,
    status: 'open',
    teamId: null,
    openedAt: '2026-01-01T10:00:00.000Z',
    firstResponseAt: null,
    firstResponseDueAt: null,
    slaBreached: false,
    ...overrides,
  });
}

export function message(overrides: Partial<Message> & { state?: Message['status']['state'] } = {}): Message {
  const { state, ...rest } = overrides;
  return MessageSchema.parse({
    id: 'm1',
    conversationId: 'c1',
    direction: 'outbound',
    content: { type: 'text', text: 'Hello' },
    status: { state: state ?? 'queued', errorCode: null, reason: null, updatedAt: null },
    createdAt: '2026-01-01T10:00:00.000Z',
    sentBy: 'nurse-1',
    ...rest,
  });
}

export function event(overrides: Partial<StreamEvent>): StreamEvent {
  return StreamEventSchema.parse({
    type: 'event',
    seq: 1,
    kind: 'message_received',
    conversationId: 'c1',
    messageId: null,
    occurredAt: '2026-01-01T10:00:00.000Z',
    actor: 'patient',
    facts: {},
    conversation: null,
    message: null,
    note: null,
    ...overrides,
  });
}

export function template(overrides: Partial<Template> = {}): Template {
  return TemplateSchema.parse({
    name: 'appointment_reminder',
    language: 'en_US',
    category: 'utility',
    status: 'approved',
    parameters: [
      { name: '1', component: 'body', example: 'Ana' },
      { name: '2', component: 'body', example: 'Dr. Ruiz' },
    ],
    buttons: [
      { index: 0, type: 'quick_reply', text: 'Confirm', needsValue: false },
      { index: 1, type: 'url', text: 'Details', needsValue: true },
    ],
    bodyText: 'Hello {{1}}, your appointment with {{2}} is confirmed.',
    headerFormat: null,
    ...overrides,
  });
}

export function appointment(overrides: Partial<Appointment> = {}): Appointment {
  return AppointmentSchema.parse({
    id: 'a1',
    clinicId: 'clinic-1',
    clinicianId: 'dr-1',
    appointmentTypeId: 'type-1',
    mode: 'in_person',
    startsAt: '2026-03-02T09:00:00.000Z',
    endsAt: '2026-03-02T09:20:00.000Z',
    status: 'booked',
    patient: { patientId: null, waId: '34600111222', displayName: 'Ana' },
    confirmedAt: null,
    videoLink: null,
    ...overrides,
  });
}

export function share(overrides: Partial<DocumentShare> = {}): DocumentShare {
  return DocumentShareSchema.parse({
    id: 's1',
    documentId: 'd1',
    status: 'sent',
    createdAt: '2026-01-01T10:00:00.000Z',
    expiresAt: '2026-01-04T10:00:00.000Z',
    openedAt: null,
    verifiedAt: null,
    downloadedAt: null,
    revokedAt: null,
    failedAttempts: 0,
    ...overrides,
  });
}
