// The api's REST and stream shapes the console reads (docs/openapi.json is the full contract).
// Everything the browser receives is parsed with these before use: a changed api fails loudly at
// the edge instead of rendering `undefined`. Unknown fields are allowed so that the api may grow.
import { z } from 'zod';

const isoDate = z.string().nullable();

export const MeSchema = z.looseObject({
  subject: z.string(),
  tenantId: z.string(),
  name: z.string().nullable(),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  expiresAt: z.string(),
});
export type Me = z.infer<typeof MeSchema>;

export const ConversationStatusSchema = z.enum(['open', 'pending', 'closed']);
export type ConversationStatus = z.infer<typeof ConversationStatusSchema>;

export const ConversationSchema = z.looseObject({
  id: z.string(),
  patient: z.looseObject({
    id: z.string().nullable(),
    displayName: z.string().nullable(),
    phoneNumber: z.string().nullable(),
    /** The keyed hash of the number: what linking the contact to a record takes. */
    waIdHash: z.string().nullable().optional(),
  }),
  /** The records patient the number belongs to; null while the contact is unverified. */
  patientId: z.string().nullable(),
  contactState: z.enum(['unverified', 'linked']),
  lastMessageAt: isoDate,
  lastMessagePreview: z.string().nullable(),
  unreadCount: z.number().int().nonnegative(),
  windowOpenUntil: isoDate,
  windowOpen: z.boolean(),
  assignedTo: z.string().nullable(),
  optedOut: z.boolean(),
  restricted: z.boolean(),
  status: ConversationStatusSchema,
  teamId: z.string().nullable(),
  openedAt: isoDate,
  firstResponseAt: isoDate,
  firstResponseDueAt: isoDate,
  slaBreached: z.boolean(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const ConversationPageSchema = z.object({
  items: z.array(ConversationSchema),
  nextCursor: z.string().nullable(),
});

export const MessageContentSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({
    type: z.literal('media'),
    kind: z.string(),
    mimeType: z.string().nullable(),
    caption: z.string().nullable(),
    filename: z.string().nullable(),
    mediaState: z.string(),
    sizeBytes: z.number().nullable(),
  }),
  z.looseObject({
    type: z.literal('location'),
    latitude: z.number(),
    longitude: z.number(),
    name: z.string().nullable(),
    address: z.string().nullable(),
  }),
  z.looseObject({ type: z.literal('contacts'), names: z.array(z.string()) }),
  z.looseObject({ type: z.literal('reply'), kind: z.string(), replyId: z.string(), title: z.string() }),
  z.looseObject({
    type: z.literal('reaction'),
    reactedToMessageId: z.string(),
    emoji: z.string().nullable(),
  }),
  z.looseObject({
    type: z.literal('template'),
    name: z.string(),
    languageCode: z.string(),
    previewText: z.string().nullable(),
  }),
  z.looseObject({ type: z.literal('interactive'), body: z.string(), options: z.array(z.string()) }),
  z.looseObject({ type: z.literal('unsupported'), whatsappType: z.string().nullable() }),
]);
export type MessageContent = z.infer<typeof MessageContentSchema>;

export const DeliveryStateSchema = z.enum([
  'received',
  'queued',
  'sent',
  'delivered',
  'read',
  'failed',
  'unknown',
]);
export type DeliveryState = z.infer<typeof DeliveryStateSchema>;

export const MessageSchema = z.looseObject({
  id: z.string(),
  conversationId: z.string(),
  direction: z.enum(['inbound', 'outbound', 'unknown']),
  content: MessageContentSchema,
  status: z.looseObject({
    state: DeliveryStateSchema,
    errorCode: z.string().nullable(),
    reason: z.string().nullable(),
    updatedAt: isoDate,
  }),
  createdAt: isoDate,
  sentBy: z.string().nullable(),
});
export type Message = z.infer<typeof MessageSchema>;

export const MessagePageSchema = z.object({
  items: z.array(MessageSchema),
  nextCursor: z.string().nullable(),
});

export const NoteSchema = z.looseObject({
  id: z.string(),
  author: z.string(),
  body: z.string(),
  createdAt: isoDate,
});
export type Note = z.infer<typeof NoteSchema>;
export const NoteListSchema = z.object({ items: z.array(NoteSchema) });

export const TemplateSchema = z.looseObject({
  name: z.string(),
  language: z.string(),
  category: z.string(),
  status: z.string(),
  parameters: z.array(
    z.looseObject({
      name: z.string(),
      component: z.enum(['header', 'body']),
      example: z.string().nullable(),
    }),
  ),
  buttons: z.array(
    z.looseObject({ index: z.number().int(), type: z.string(), text: z.string(), needsValue: z.boolean() }),
  ),
  bodyText: z.string(),
  headerFormat: z.string().nullable(),
});
export type Template = z.infer<typeof TemplateSchema>;
export const TemplateListSchema = z.object({ items: z.array(TemplateSchema), syncedAt: isoDate });

/** GET /v1/tenant: the caller's hospital. */
export const HospitalSchema = z.looseObject({ id: z.string(), name: z.string() });
export type Hospital = z.infer<typeof HospitalSchema>;

export const TeamListSchema = z.object({
  items: z.array(z.looseObject({ id: z.string(), name: z.string() })),
});

export const StreamKindSchema = z.enum([
  'message_received',
  'message_sent',
  'message_status',
  'conversation_assigned',
  'conversation_state',
  'note_added',
  'conversation_read',
  'conversation_linked',
]);

export const StreamEventSchema = z.looseObject({
  type: z.literal('event'),
  seq: z.number().int(),
  kind: StreamKindSchema,
  conversationId: z.string(),
  messageId: z.string().nullable(),
  occurredAt: isoDate,
  actor: z.string(),
  facts: z.record(z.string(), z.string()),
  conversation: ConversationSchema.nullable(),
  message: MessageSchema.nullable(),
  note: NoteSchema.nullable(),
});
export type StreamEvent = z.infer<typeof StreamEventSchema>;

export const StreamFrameSchema = z.union([
  z.looseObject({
    type: z.literal('hello'),
    after: z.number().int().nullable().optional(),
    expiresAt: z.string().optional(),
  }),
  StreamEventSchema,
]);

// ── patients and documents (records, through the api) ──────────────────────────────────────

export const PatientSchema = z.looseObject({
  id: z.string(),
  mrn: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  dateOfBirth: z.string(),
  waId: z.string().nullable(),
  preferredLanguage: z.string().nullable(),
});
export type Patient = z.infer<typeof PatientSchema>;
export const PatientListSchema = z.object({ items: z.array(PatientSchema) });

export const PatientConsentSchema = z.looseObject({
  id: z.string(),
  kind: z.string(),
  granted: z.boolean(),
  source: z.string(),
  recordedAt: z.string(),
});
export type PatientConsent = z.infer<typeof PatientConsentSchema>;
export const PatientConsentsSchema = z.looseObject({
  history: z.array(PatientConsentSchema),
  current: z.array(PatientConsentSchema),
});

export const PatientDocumentSchema = z.looseObject({
  id: z.string(),
  patientId: z.string(),
  title: z.string(),
  fileName: z.string().nullable(),
  contentType: z.string(),
  sizeBytes: z.number(),
  createdAt: z.string(),
});
export type PatientDocument = z.infer<typeof PatientDocumentSchema>;
export const PatientDocumentPageSchema = z.object({
  items: z.array(PatientDocumentSchema),
  nextCursor: z.string().nullable(),
});

export const ShareStatusSchema = z.enum([
  'sent',
  'opened',
  'verified',
  'downloaded',
  'revoked',
  'expired',
  'locked',
  'notice_failed',
  'unspecified',
]);
export type ShareStatus = z.infer<typeof ShareStatusSchema>;

export const DocumentShareSchema = z.looseObject({
  id: z.string(),
  documentId: z.string(),
  status: ShareStatusSchema,
  createdAt: z.string(),
  expiresAt: isoDate,
  openedAt: isoDate,
  verifiedAt: isoDate,
  downloadedAt: isoDate,
  revokedAt: isoDate,
  failedAttempts: z.number().int(),
});
export type DocumentShare = z.infer<typeof DocumentShareSchema>;
export const DocumentShareListSchema = z.object({ items: z.array(DocumentShareSchema) });

// ── appointments (scheduling, through the api) ─────────────────────────────────────────────

export const AppointmentStatusSchema = z.enum([
  'booked',
  'confirmed',
  'rescheduled',
  'cancelled_by_patient',
  'cancelled_by_staff',
  'attended',
  'no_show',
  'unknown',
]);
export type AppointmentStatus = z.infer<typeof AppointmentStatusSchema>;

export const AppointmentSchema = z.looseObject({
  id: z.string(),
  clinicId: z.string(),
  clinicianId: z.string(),
  appointmentTypeId: z.string(),
  mode: z.enum(['in_person', 'video']),
  startsAt: z.string(),
  endsAt: z.string(),
  status: AppointmentStatusSchema,
  patient: z.looseObject({
    patientId: z.string().nullable(),
    waId: z.string(),
    displayName: z.string().nullable(),
  }),
  confirmedAt: isoDate,
  videoLink: z.string().nullable(),
});
export type Appointment = z.infer<typeof AppointmentSchema>;
export const AppointmentListSchema = z.object({
  items: z.array(AppointmentSchema),
  limitReached: z.boolean(),
});

// the calendar set-up, listed by name (staff data): staff pick these by name, never by id
export const SiteItemSchema = z.looseObject({ id: z.string(), name: z.string(), timeZone: z.string() });
export type SiteItem = z.infer<typeof SiteItemSchema>;
export const ClinicItemSchema = z.looseObject({ id: z.string(), siteId: z.string(), name: z.string() });
export type ClinicItem = z.infer<typeof ClinicItemSchema>;
export const ClinicianItemSchema = z.looseObject({
  id: z.string(),
  clinicId: z.string(),
  displayName: z.string(),
});
export type ClinicianItem = z.infer<typeof ClinicianItemSchema>;
export const AppointmentTypeItemSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  mode: z.enum(['in_person', 'video']),
  durationMinutes: z.number().int(),
});
export type AppointmentTypeItem = z.infer<typeof AppointmentTypeItemSchema>;
export const SiteListSchema = z.object({ items: z.array(SiteItemSchema) });
export const ClinicListSchema = z.object({ items: z.array(ClinicItemSchema) });
export const ClinicianListSchema = z.object({ items: z.array(ClinicianItemSchema) });
export const AppointmentTypeListSchema = z.object({ items: z.array(AppointmentTypeItemSchema) });

export const SlotSchema = z.looseObject({
  clinicianId: z.string(),
  clinicId: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
});
export type Slot = z.infer<typeof SlotSchema>;
export const SlotListSchema = z.object({ items: z.array(SlotSchema) });

export const NoShowGroupBySchema = z.enum(['clinic', 'day', 'stage', 'confirmation']);
export type NoShowGroupBy = z.infer<typeof NoShowGroupBySchema>;
const NoShowBucketSchema = z.looseObject({
  key: z.string(),
  total: z.number().int(),
  noShows: z.number().int(),
  rate: z.number().nullable(),
});
export const NoShowReportSchema = z.looseObject({
  groupBy: NoShowGroupBySchema,
  total: z.number().int(),
  noShows: z.number().int(),
  rate: z.number().nullable(),
  items: z.array(NoShowBucketSchema),
});
export type NoShowReport = z.infer<typeof NoShowReportSchema>;

export const ProblemSchema = z.looseObject({
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

export const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().optional(),
});

/** What the console's own server says at GET /config.json. */
export const ClientConfigSchema = z.object({
  apiUrl: z.string().url(),
  idleMinutes: z.number().positive(),
  devSignIn: z.boolean(),
  devTenantId: z.string().nullable(),
});
export type ClientConfig = z.infer<typeof ClientConfigSchema>;
