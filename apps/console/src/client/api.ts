// The console's only way out: the api's REST endpoints, with the bearer token, each response
// parsed with its schema. A problem+json answer becomes an ApiError carrying the stable `code`
// (the UI switches on codes, never on text); a 401 signs the user out through `onUnauthorized`.
import { z } from 'zod';
import {
  type Conversation,
  ConversationPageSchema,
  ConversationSchema,
  MeSchema,
  type Message,
  MessagePageSchema,
  MessageSchema,
  type Note,
  NoteListSchema,
  NoteSchema,
  ProblemSchema,
  TeamListSchema,
  TemplateListSchema,
  TokenResponseSchema,
} from './schemas';
import type { SendTemplateBody } from './model/template-form';

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
  ): Promise<z.output<S>> => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 401) options.onUnauthorized();
    return parse(response, schema);
  };
  const conv = (id: string) => `/conversations/${encodeURIComponent(id)}`;

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
    /** Admins only (tenant:admin); others see team ids. */
    teams: () => call('GET', '/admin/teams', TeamListSchema),
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
