// The care team's side of the benchmark: the api's REST endpoints with a staff token, only what the
// end-to-end phase reads. Answers are parsed with schemas; failures name the call and the status,
// never a body (message texts are in them).
import { expectStatus, requestJson } from '@careline/stack';
import { z } from 'zod';
import { type FetchPage, MessagesPageSchema } from './arrivals';

const ConversationsPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      patient: z.object({ phoneNumber: z.string().nullable() }),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export interface ApiClient {
  fetchMessagesPage: FetchPage;
  /** The conversation with the patient whose WhatsApp id is `waId`, if the api lists one. */
  conversationWith(waId: string): Promise<string | undefined>;
}

export function createApiClient(
  apiUrl: string,
  token: string,
  options: { pageSize?: number } = {},
): ApiClient {
  const headers = { authorization: `Bearer ${token}` };
  const pageSize = String(options.pageSize ?? 100);
  const query = (cursor: string | undefined): string =>
    new URLSearchParams({ limit: pageSize, ...(cursor === undefined ? {} : { cursor }) }).toString();

  return {
    async fetchMessagesPage(conversationId, cursor) {
      const response = await requestJson(
        'GET',
        `${apiUrl}/v1/conversations/${encodeURIComponent(conversationId)}/messages?${query(cursor)}`,
        { headers },
      );
      return expectStatus(response, 200, MessagesPageSchema, 'api: GET /v1/conversations/:id/messages');
    },
    async conversationWith(waId) {
      let cursor: string | undefined;
      do {
        const response = await requestJson('GET', `${apiUrl}/v1/conversations?${query(cursor)}`, { headers });
        const page = expectStatus(response, 200, ConversationsPageSchema, 'api: GET /v1/conversations');
        const found = page.items.find((item) => item.patient.phoneNumber?.replace(/\D/g, '') === waId);
        if (found !== undefined) return found.id;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return undefined;
    },
  };
}
