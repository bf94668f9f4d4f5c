// The console's only way out: the api's REST endpoints, with the bearer token, each response
// parsed with its schema. A problem+json answer becomes an ApiError carrying the stable `code`
// (the UI switches on codes, never on text); a 401 signs the user out through `onUnauthorized`.
import { z } from 'zod';
import {
  type Appointment,
  AppointmentListSchema,
  AppointmentSchema,
  AppointmentTypeListSchema,
  ClinicListSchema,
  ClinicianListSchema,
  type Conversation,
  ConversationPageSchema,
  ConversationSchema,
  HospitalSchema,
  MeSchema,
  type Message,
  MessagePageSchema,
  MessageSchema,
  type DocumentShare,
  DocumentShareListSchema,
  DocumentShareSchema,
  type NoShowGroupBy,
  NoShowReportSchema,
  type Note,
  NoteListSchema,
  NoteSchema,
  PatientConsentsSchema,
  type PatientDocument,
  PatientDocumentPageSchema,
  PatientDocumentSchema,
  PatientListSchema,
  PatientSchema,
  SiteListSchema,
  ProblemSchema,
  SlotListSchema,
  TeamListSchema,
  TemplateListSchema,
  TokenResponseSchema,
} from './schemas';
import type { SendTemplateBody } from './model/template-form';

/** One way to find a patient: the api matches exactly (keyed hashes), never substrings. */
export type PatientSearch =
  | { by: 'mrn'; mrn: string }
  | { by: 'waId'; waId: string }
  | { by: 'name'; familyName: string; birthDate?: string };

export interface BookBody {
  clinicianId: string;
  appointmentTypeId: string;
  startsAt: string;
  patient: { waId: string; patientId?: string; displayName?: string; languageCode?: string };
}

export interface AvailabilityQuery {
  appointmentTypeId: string;
  clinicId?: string;
  clinicianId?: string;
  from: string;
  to: string;
  limit?: number;
}

export interface AppointmentQuery {
  from: string;
  to: string;
  clinicId?: string;
  clinicianId?: string;
  limit?: number;
}

/** Query string of the defined values only (an empty filter is no filter). */
function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values))
    if (value !== undefined && value !== '') params.set(key, String(value));
  return params.toString();
}

/** 202 of a template send: the queued message and the language actually used. */
const MessageEnvelope = z.looseObject({ message: MessageSchema });

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

async function parse<S extends z.ZodType>(response: Response, schema: S): Promise<z.output<S>> {
  const body: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const problem = ProblemSchema.safeParse(body);
    if (problem.success)
      throw new ApiError(response.status, problem.data.code, problem.data.detail, problem.data.details);
    throw new ApiError(response.status, 'http_error', `HTTP ${response.status}`);
  }
  return schema.parse(body);
}

export interface DevTokenRequest {
  subject: string;
  tenantId: string;
  roles: string[];
  name?: string;
}

export async function requestDevToken(apiUrl: string, request: DevTokenRequest): Promise<string> {
  const response = await fetch(`${apiUrl}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  return (await parse(response, TokenResponseSchema)).access_token;
}

export interface ApiClientOptions {
  apiUrl: string;
  token: string;
  /** The token was refused (expired, revoked): sign out. */
  onUnauthorized: () => void;
}

export function createApiClient(options: ApiClientOptions) {
  const base = `${options.apiUrl}/v1`;
  const call = async <S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<z.output<S>> => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, ...extraHeaders };
    // FormData sets its own multipart content type (with the boundary)
    const isForm = body instanceof FormData;
    if (body !== undefined && !isForm) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: isForm ? body : JSON.stringify(body) }),
    });
    if (response.status === 401) options.onUnauthorized();
    return parse(response, schema);
  };
  const conv = (id: string) => `/conversations/${encodeURIComponent(id)}`;
  const patient = (id: string) => `/patients/${encodeURIComponent(id)}`;
  const appointment = (id: string) => `/appointments/${encodeURIComponent(id)}`;

  return {
    me: () => call('GET', '/me', MeSchema),
    conversations: (query: URLSearchParams) =>
      call('GET', `/conversations?${query.toString()}`, ConversationPageSchema),
    conversation: (id: string): Promise<Conversation> => call('GET', conv(id), ConversationSchema),
    messages: (id: string, cursor?: string) =>
      call(
        'GET',
        `${conv(id)}/messages?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        MessagePageSchema,
      ),
    reply: (id: string, text: string, idempotencyKey: string): Promise<Message> =>
      call('POST', `${conv(id)}/messages`, MessageSchema, { text, idempotencyKey }),
    sendTemplate: async (id: string, body: SendTemplateBody): Promise<Message> =>
      (await call('POST', `${conv(id)}/templates`, MessageEnvelope, body)).message,
    markRead: (id: string): Promise<Conversation> => call('POST', `${conv(id)}/read`, ConversationSchema),
    assign: (id: string, body: { assignee?: string | null; teamId?: string | null }): Promise<Conversation> =>
      call('POST', `${conv(id)}/assign`, ConversationSchema, body),
    setState: (id: string, status: Conversation['status']): Promise<Conversation> =>
      call('POST', `${conv(id)}/state`, ConversationSchema, { status }),
    notes: async (id: string): Promise<Note[]> =>
      (await call('GET', `${conv(id)}/notes`, NoteListSchema)).items,
    addNote: (id: string, body: string): Promise<Note> =>
      call('POST', `${conv(id)}/notes`, NoteSchema, { body }),
    templates: () => call('GET', '/templates?approvedOnly=true', TemplateListSchema),
    /** The hospital's teams (anyone working the inbox). */
    teams: () => call('GET', '/teams', TeamListSchema),
    /** The caller's hospital (name for the header). */
    hospital: () => call('GET', '/tenant', HospitalSchema),

    // ── patients and results (records) ──
    patient: (id: string) => call('GET', patient(id), PatientSchema),
    searchPatients: async (search: PatientSearch) => {
      const q =
        search.by === 'mrn'
          ? query({ mrn: search.mrn })
          : search.by === 'waId'
            ? query({ waId: search.waId })
            : query({ familyName: search.familyName, birthDate: search.birthDate });
      return (await call('GET', `/patients?${q}&limit=20`, PatientListSchema)).items;
    },
    consents: (id: string) => call('GET', `${patient(id)}/consents`, PatientConsentsSchema),
    /** Links an unverified contact (its number hash, from the conversation) to a record. */
    linkContact: (id: string, waIdHash: string, conversationId: string) =>
      call('POST', `${patient(id)}/link-contact`, PatientSchema, { waIdHash, conversationId }),
    documents: async (id: string): Promise<PatientDocument[]> =>
      (await call('GET', `${patient(id)}/documents?limit=50`, PatientDocumentPageSchema)).items,
    uploadDocument: (
      id: string,
      file: File,
      title: string,
      idempotencyKey: string,
    ): Promise<PatientDocument> => {
      const form = new FormData();
      // the title first: the api reads the parts in order and the file is the big one
      form.append('title', title);
      form.append('file', file, file.name);
      return call('POST', `${patient(id)}/documents`, PatientDocumentSchema, form, {
        'idempotency-key': idempotencyKey,
      });
    },
    shares: async (documentId: string): Promise<DocumentShare[]> =>
      (await call('GET', `/documents/${encodeURIComponent(documentId)}/shares`, DocumentShareListSchema))
        .items,
    share: (documentId: string, idempotencyKey: string): Promise<DocumentShare> =>
      call('POST', `/documents/${encodeURIComponent(documentId)}/shares`, DocumentShareSchema, {
        idempotencyKey,
      }),
    revokeShare: (shareId: string): Promise<DocumentShare> =>
      call('POST', `/shares/${encodeURIComponent(shareId)}/revoke`, DocumentShareSchema),

    // ── appointments (scheduling) ──
    /** The calendar set-up, each sorted by name by the api. */
    sites: async () => (await call('GET', '/sites', SiteListSchema)).items,
    clinics: async () => (await call('GET', '/clinics', ClinicListSchema)).items,
    clinicians: async () => (await call('GET', '/clinicians', ClinicianListSchema)).items,
    appointmentTypes: async () => (await call('GET', '/appointment-types', AppointmentTypeListSchema)).items,
    appointments: (q: AppointmentQuery) =>
      call('GET', `/appointments?${query({ limit: 500, ...q })}`, AppointmentListSchema),
    appointment: (id: string): Promise<Appointment> => call('GET', appointment(id), AppointmentSchema),
    availability: async (q: AvailabilityQuery) =>
      (await call('GET', `/availability?${query({ limit: 20, ...q })}`, SlotListSchema)).items,
    book: (body: BookBody, idempotencyKey: string): Promise<Appointment> =>
      call('POST', '/appointments', AppointmentSchema, { ...body, idempotencyKey }),
    reschedule: (id: string, startsAt: string, clinicianId?: string): Promise<Appointment> =>
      call('POST', `${appointment(id)}/reschedule`, AppointmentSchema, {
        startsAt,
        ...(clinicianId === undefined ? {} : { clinicianId }),
      }),
    cancel: (id: string): Promise<Appointment> =>
      call('POST', `${appointment(id)}/cancel`, AppointmentSchema, { cancelledBy: 'staff' }),
    attendance: (id: string, outcome: 'attended' | 'no_show'): Promise<Appointment> =>
      call('POST', `${appointment(id)}/attendance`, AppointmentSchema, { outcome }),
    noShows: (q: { from: string; to: string; clinicId?: string; groupBy: NoShowGroupBy }) =>
      call('GET', `/reports/no-shows?${query(q)}`, NoShowReportSchema),

    /** The bytes of a patient's media, as a Blob (the caller makes an object URL of it). */
    media: async (conversationId: string, messageId: string): Promise<Blob> => {
      const response = await fetch(
        `${base}${conv(conversationId)}/messages/${encodeURIComponent(messageId)}/media`,
        {
          headers: { authorization: `Bearer ${options.token}` },
        },
      );
      if (response.status === 401) options.onUnauthorized();
      if (!response.ok) await parse(response, ProblemSchema);
      return response.blob();
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
