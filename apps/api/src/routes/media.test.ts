// The media download route in-process (app.inject) against the in-memory MessagingService: the
// bytes passed through with the sniffed type as a non-cacheable attachment, the caller's tenant
// and ids passed on, refusals with their codes.
import type { Role } from '@careline/auth';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { MessageMediaKind, MessageMediaState } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../schemas/common';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { type FakeMessaging, createFakeMessaging, sampleConversation, sampleMessage } from '../testing/fake-messaging';

let auth: TestAuth;
let fake: FakeMessaging;
let app: TestApp;

beforeAll(async () => {
  auth = await createTestAuth();
  fake = createFakeMessaging();
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: fake.client });
});

afterAll(() => app.close());

function mediaMessage(conversationId: string, filename: string) {
  return sampleMessage({
    conversationId,
    content: {
      $case: 'media',
      value: {
        kind: MessageMediaKind.MESSAGE_MEDIA_KIND_DOCUMENT,
        mimeType: 'application/pdf',
        caption: '',
        filename,
        mediaRef: 'm',
        state: MessageMediaState.MESSAGE_MEDIA_STATE_STORED,
        sizeBytes: 8,
      },
    },
  });
}

async function get(url: string, roles: Role[] = ['nurse']) {
  const token = await auth.mint({ roles });
  return app.http.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

describe('GET /v1/conversations/{id}/messages/{messageId}/media', () => {
  it('returns the bytes as a non-cacheable attachment of the sniffed type', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
    const message = mediaMessage(conversation.id, 'Résultat "final".pdf');
    fake.add(conversation, [message]);
    const bytes = Buffer.from('%PDF-1.7\n\x00\x01\x02binary');
    fake.addMedia(message.id, { content: bytes, mimeType: 'application/pdf', filename: 'Résultat "final".pdf' });

    const response = await get(`/v1/conversations/${conversation.id}/messages/${message.id}/media`);

    expect(response.statusCode, response.body).toBe(200);
    expect(response.rawPayload.equals(bytes)).toBe(true);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="R_sultat _final_.pdf"; filename*=UTF-8''R%C3%A9sultat%20%22final%22.pdf`,
    );
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'getMedia',
      caller: { tenantId: auth.tenantId },
      request: { conversationId: conversation.id, messageId: message.id },
    });
  });

  it('answers 409 media_pending before the media is stored, 404 for a message that is not media', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
    const message = mediaMessage(conversation.id, '');
    const text = sampleMessage({ conversationId: conversation.id });
    fake.add(conversation, [message, text]);

    const pending = await get(`/v1/conversations/${conversation.id}/messages/${message.id}/media`);
    expect(pending.statusCode).toBe(409);
    expect(problemSchema.parse(pending.json()).code).toBe('media_pending');
    const notMedia = await get(`/v1/conversations/${conversation.id}/messages/${text.id}/media`);
    expect(notMedia.statusCode).toBe(404);
    expect(problemSchema.parse(notMedia.json()).code).toBe('media_not_found');
  });

  it('refuses a role without conversations:read before calling messaging', async () => {
    const before = fake.calls.length;
    const response = await get('/v1/conversations/c1/messages/m1/media', ['auditor']);
    expect(response.statusCode).toBe(403);
    expect(fake.calls.length).toBe(before);
  });
});
