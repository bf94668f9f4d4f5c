// The care team's side of the tests: the api's REST endpoints as a staff member calls them. The
// schemas are the subset these tests read (the api's OpenAPI document is the full contract).
import { type JsonResponse, type Stack, expectStatus, requestJson } from '@careline/stack';
import { z } from 'zod';

export const ConversationSchema = z.object({
  id: z.string(),
  phoneNumberId: z.string(),
  patient: z.object({ phoneNumber: z.string().nullable(), displayName: z.string().nullable() }),
  windowOpen: z.boolean(),
  windowOpenUntil: z.string().nullable(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const MessageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  direction: z.enum(['inbound', 'outbound', 'unknown']),
  content: z.looseObject({ type: z.string(), text: z.string().optional() }),
  status: z.object({ state: z.string(), errorCode: z.string().nullable() }),
  wamid: z.string().nullable(),
});
export type Message = z.infer<typeof MessageSchema>;

const page = <S extends z.ZodType>(item: S) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export interface StaffClient {
  token: string;
  listConversations(): Promise<JsonResponse>;
  getConversation(id: string): Promise<JsonResponse>;
  listMessages(conversationId: string): Promise<JsonResponse>;
  reply(conversationId: string, text: string, idempotencyKey?: string): Promise<JsonResponse>;
  /** Every conversation of the caller's tenant (all pages). */
  conversations(): Promise<Conversation[]>;
  /** Every message of a conversation (all pages), newest first as the api lists them. */
  messages(conversationId: string): Promise<Message[]>;
  /** The conversation with the patient whose WhatsApp id is `waId`, if listed. */
  conversationWith(waId: string): Promise<Conversation | undefined>;
}

export async function staffClient(
  stack: Stack,
  request: Parameters<Stack['mintToken']>[0] = {},
): Promise<StaffClient> {
  const token = await stack.mintToken(request);
  const base = `${stack.urls.api}/v1`;
  const headers = { authorization: `Bearer ${token}` };
  const get = (path: string): Promise<JsonResponse> => requestJson('GET', `${base}${path}`, { headers });

  const all = async <S extends z.ZodType>(path: string, item: S, what: string): Promise<z.output<S>[]> => {
    const items: z.output<S>[] = [];
    let cursor: string | null = null;
    do {
      const query: URLSearchParams = new URLSearchParams({
        limit: '200',
        ...(cursor === null ? {} : { cursor }),
      });
      const body: { items: z.output<S>[]; nextCursor: string | null } = expectStatus(
        await get(`${path}?${query.toString()}`),
        200,
        page(item),
        what,
      );
      items.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor !== null);
    return items;
  };

  const client: StaffClient = {
    token,
    listConversations: () => get('/conversations'),
    getConversation: (id) => get(`/conversations/${encodeURIComponent(id)}`),
    listMessages: (id) => get(`/conversations/${encodeURIComponent(id)}/messages`),
    reply: (id, text, idempotencyKey) =>
      requestJson('POST', `${base}/conversations/${encodeURIComponent(id)}/messages`, {
        headers,
        body: { text, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) },
      }),
    conversations: () => all('/conversations', ConversationSchema, 'GET /v1/conversations'),
    messages: (id) =>
      all(
        `/conversations/${encodeURIComponent(id)}/messages`,
        MessageSchema,
        'GET /v1/conversations/:id/messages',
      ),
    async conversationWith(waId) {
      const conversations = await client.conversations();
      return conversations.find(
        (conversation) => conversation.patient.phoneNumber?.replace(/\D/g, '') === waId,
      );
    },
  };
  return client;
}

export function textOf(message: Message): string | undefined {
  return message.content.type === 'text' ? message.content.text : undefined;
}

/** Problem details' stable code, or undefined. */
export function problemCode(response: JsonResponse): string | undefined {
  const parsed = z.object({ code: z.string() }).safeParse(response.body);
  return parsed.success ? parsed.data.code : undefined;
}
