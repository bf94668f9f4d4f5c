// Example for hospital integration teams: read a conversation and reply through Careline's REST
// api (docs/openapi.json) with a bearer token. The api is where data is in clear: it checks the
// token's tenant and roles, audits every read, and opens the sealed fields for you.
//
// The token comes from your hospital's identity provider (OIDC). It must name the tenant
// (`https://careline.health/tenant`) and roles (`https://careline.health/roles`) that grant the
// permission of each call (GET …/messages needs `conversations:read`).
import { z } from 'zod';

const messageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  direction: z.enum(['inbound', 'outbound', 'unknown']),
  content: z.looseObject({ type: z.string() }),
  status: z.looseObject({ state: z.string() }),
  createdAt: z.string().nullable(),
  // the trace of the work that stored the message; send it back as traceparent to continue it
  traceId: z.string().nullable(),
});
export type Message = z.infer<typeof messageSchema>;

const pageSchema = z.object({ items: z.array(messageSchema), nextCursor: z.string().nullable() });
const problemSchema = z.looseObject({ code: z.string(), title: z.string().optional(), status: z.number().optional() });

export class CarelineApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`Careline api answered ${status} (${code})`);
  }
}

export interface CarelineApi {
  messages(conversationId: string): Promise<Message[]>;
  reply(conversationId: string, text: string, options: { idempotencyKey: string; continueTraceOf?: Message }): Promise<Message>;
}

/** A client of the api at `baseUrl` (e.g. `https://careline.hospital.example/api`). */
export function carelineApi(baseUrl: string, token: () => Promise<string>): CarelineApi {
  async function call(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<unknown> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${await token()}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(10_000),
    });
    const body: unknown = await response.json();
    if (!response.ok) {
      // errors are application/problem+json with a stable `code`, e.g. window_closed (409)
      const problem = problemSchema.safeParse(body);
      throw new CarelineApiError(response.status, problem.success ? problem.data.code : 'unknown');
    }
    return body;
  }

  return {
    async messages(conversationId) {
      const messages: Message[] = [];
      let cursor: string | null = null;
      do {
        const query = new URLSearchParams({ limit: '100', ...(cursor === null ? {} : { cursor }) });
        const page = pageSchema.parse(await call('GET', `/v1/conversations/${encodeURIComponent(conversationId)}/messages?${query.toString()}`));
        messages.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
      return messages;
    },
    async reply(conversationId, text, options) {
      const headers: Record<string, string> = { 'idempotency-key': options.idempotencyKey };
      // continue the trace of the patient message this answers: one trace id from webhook to reply
      const traceId = options.continueTraceOf?.traceId;
      if (traceId) headers['traceparent'] = `00-${traceId}-${randomSpanId()}-01`;
      return messageSchema.parse(await call('POST', `/v1/conversations/${encodeURIComponent(conversationId)}/messages`, { body: { text }, headers }));
    },
  };
}

function randomSpanId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
