// Patient media end to end inside messaging: an image message is stored at once (media pending),
// the media fetch job calls a fake gateway MediaService over real gRPC that fails twice and then
// answers, and the bytes end up stored sealed (never in clear), downloadable through GetMedia
// (audited) — the message is never lost, also when every attempt fails.
import { randomBytes, randomUUID } from 'node:crypto';
import { type Metadata, type ServiceError, status as GrpcStatus, credentials } from '@grpc/grpc-js';
import {
  EVENT_KEYS,
  type GetMediaResponse,
  type MediaServiceHandlers,
  MediaServiceDefinition,
  MessageMediaState,
  MessagingServiceClient,
  TOPICS,
  AuditOutcome,
  auditEvent,
  patientMessageReceivedEvent,
  sealContext,
} from '@careline/contracts';
import { type GrpcServer, createGrpcServer, grpcService, grpcUnary, metadataForCaller, notFound, unavailable } from '@careline/runtime';
import { readTopic } from '@careline/bus/testing';
import { captureLogger } from '@careline/runtime/testing';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, nurse, patientText, randomWaId, startHarness } from './int-test-support';

const TENANT = randomUUID();
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('PLAINTEXT-MEDIA-MARKER'), randomBytes(5000)]);

/** What the fake gateway answers per Meta media id: a list of outcomes, the last one repeating. */
const script = new Map<string, ('unavailable' | 'not_found' | 'ok')[]>();
const calls = new Map<string, number>();
let gateway: GrpcServer;
let h: Harness;
let messaging: MessagingServiceClient;

beforeAll(async () => {
  const handlers: MediaServiceHandlers = {
    fetchMedia: grpcUnary(
      (request) => {
        const n = calls.get(request.mediaId) ?? 0;
        calls.set(request.mediaId, n + 1);
        const outcomes = script.get(request.mediaId) ?? ['not_found'];
        const outcome = outcomes[Math.min(n, outcomes.length - 1)];
        if (outcome === 'unavailable') return Promise.reject(unavailable('graph_unavailable', 'Meta is down.'));
        if (outcome === 'not_found') return Promise.reject(notFound('media_not_found', 'No such media.'));
        return Promise.resolve({ content: JPEG, mimeType: 'image/png', sha256: '', sizeBytes: JPEG.length, maxBytes: 16 << 20 });
      },
      { logger: captureLogger().logger },
    ),
  };
  gateway = createGrpcServer({
    name: 'fake-gateway',
    host: '127.0.0.1',
    port: 0,
    logger: captureLogger().logger,
    readiness: [],
    services: [grpcService(MediaServiceDefinition, handlers)],
  });
  await gateway.resource.start();
  h = await startHarness({
    gatewayGrpcUrl: `127.0.0.1:${gateway.port()}`,
    mediaFetch: { pollIntervalMs: 50, policy: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200, leaseMs: 5_000 } },
  });
  messaging = new MessagingServiceClient(`127.0.0.1:${h.app.grpc.port()}`, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 20 << 20,
  });
}, 60_000);

afterAll(async () => {
  messaging?.close();
  await h?.close();
  await gateway?.resource.stop();
});

async function publishImage(waId: string, mediaId: string): Promise<{ messageId: string }> {
  const text = await patientText(h.sealer, { tenantId: TENANT, waId, text: 'x', sentAt: new Date() });
  const context = sealContext(TOPICS.patientMessageReceived, text.messageId);
  const event = {
    ...text,
    content: {
      $case: 'image' as const,
      value: {
        mediaId,
        mimeType: 'image/jpeg',
        sha256: 'meta-digest',
        caption: await h.sealer.seal(TENANT, 'my rash', context),
        filename: undefined,
        voice: false,
        animated: false,
      },
    },
  };
  await h.publish(patientMessageReceivedEvent, EVENT_KEYS.patientMessageReceived(event), TENANT, event);
  return { messageId: event.messageId };
}

async function mediaMessage(messageId: string) {
  return waitFor(
    async () => {
      const { conversations } = await h.client.listConversations({}, nurse(TENANT));
      for (const conversation of conversations) {
        const { messages } = await h.client.listMessages({ conversationId: conversation.id }, nurse(TENANT));
        const message = messages.find((m) => m.id === messageId);
        if (message?.content?.$case === 'media') return { conversationId: conversation.id, message, media: message.content.value };
      }
      return undefined;
    },
    { message: 'the media message to be listed', timeoutMs: 15_000 },
  );
}

async function untilState(messageId: string, state: MessageMediaState) {
  return waitFor(
    async () => {
      const found = await mediaMessage(messageId);
      return found.media.state === state ? found : undefined;
    },
    { message: `media state ${MessageMediaState[state]}`, timeoutMs: 15_000 },
  );
}

function getMedia(request: { conversationId: string; messageId: string }, metadata: Metadata): Promise<GetMediaResponse> {
  return new Promise((resolve, reject) => {
    messaging.getMedia(request, metadata, (error: ServiceError | null, response?: GetMediaResponse) => {
      if (error) reject(error);
      else if (response) resolve(response);
    });
  });
}

function errorCode(error: unknown): string | undefined {
  const metadata = (error as { metadata?: Metadata }).metadata;
  return metadata?.get('x-careline-error-code')[0]?.toString();
}

describe('patient media', () => {
  it('stores the message at once, retries the fetch until it succeeds, and serves the exact bytes sealed at rest', async () => {
    const mediaId = String(Date.now());
    script.set(mediaId, ['unavailable', 'unavailable', 'ok']);
    const { messageId } = await publishImage(randomWaId(), mediaId);

    // the message is there whatever the fetch does; its caption is readable
    const first = await mediaMessage(messageId);
    expect(first.media.caption).toBe('my rash');

    const stored = await untilState(messageId, MessageMediaState.MESSAGE_MEDIA_STATE_STORED);
    expect(calls.get(mediaId)).toBe(3);
    expect(stored.media.mediaRef).not.toBe('');
    expect(stored.media.sizeBytes).toBe(JPEG.length);
    // declared image/png by the fake, but the bytes are a JPEG
    expect(stored.media.mimeType).toBe('image/jpeg');
    expect(stored.media.caption).toBe('my rash');

    const reader = metadataForCaller({ tenantId: TENANT, actor: 'user:media-reader', roles: ['nurse'] });
    const downloaded = await getMedia({ conversationId: stored.conversationId, messageId }, reader);
    expect(Buffer.from(downloaded.content).equals(JPEG)).toBe(true);
    expect(downloaded.mimeType).toBe('image/jpeg');
    expect(downloaded.sizeBytes).toBe(JPEG.length);

    const { rows } = await h.db.adminPool.query<{ content_sealed: Buffer; state: string; attempts: number }>(
      'SELECT content_sealed, state, attempts FROM messaging.media WHERE message_id = $1',
      [messageId],
    );
    expect(rows[0]?.state).toBe('stored');
    expect(rows[0]?.attempts).toBe(3);
    expect(rows[0]?.content_sealed.includes(Buffer.from('PLAINTEXT-MEDIA-MARKER'))).toBe(false);
    expect(rows[0]?.content_sealed.equals(JPEG)).toBe(false);
    expect(h.logs.text()).not.toContain('PLAINTEXT-MEDIA-MARKER');
    expect(h.logs.text()).not.toContain('my rash');

    // the download is audited as media.read, in the read's transaction (outbox → audit.events.v1)
    const records = await readTopic(h.kafka, TOPICS.auditEvents, {
      until: (read) => read.some((record) => auditEvent.decode(record.value ?? new Uint8Array()).actor?.id === 'user:media-reader'),
      timeoutMs: 30_000,
    });
    const audit = records.map((record) => auditEvent.decode(record.value ?? new Uint8Array())).find((e) => e.actor?.id === 'user:media-reader');
    expect(audit?.action).toBe('media.read');
    expect(audit?.outcome).toBe(AuditOutcome.AUDIT_OUTCOME_SUCCESS);
    expect(audit?.resource).toMatchObject({ type: 'message', id: messageId });
  });

  it('gives up after the last attempt, or at once when Meta does not have the media, and keeps the message', async () => {
    const flaky = `${Date.now()}1`;
    script.set(flaky, ['unavailable']);
    const gone = `${Date.now()}2`;
    script.set(gone, ['not_found']);
    const a = await publishImage(randomWaId(), flaky);
    const b = await publishImage(randomWaId(), gone);

    const failedA = await untilState(a.messageId, MessageMediaState.MESSAGE_MEDIA_STATE_FAILED);
    const failedB = await untilState(b.messageId, MessageMediaState.MESSAGE_MEDIA_STATE_FAILED);
    expect(calls.get(flaky)).toBe(3);
    expect(calls.get(gone)).toBe(1);
    expect(failedA.media.mediaRef).toBe('');

    const refused = await getMedia({ conversationId: failedB.conversationId, messageId: b.messageId }, nurse(TENANT)).catch((e: unknown) => e);
    expect((refused as ServiceError).code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(errorCode(refused)).toBe('media_unavailable');
  });

  it('refuses a caller without conversations:read, another tenant, and a message that is not media', async () => {
    const mediaId = `${Date.now()}3`;
    script.set(mediaId, ['ok']);
    const { messageId } = await publishImage(randomWaId(), mediaId);
    const stored = await untilState(messageId, MessageMediaState.MESSAGE_MEDIA_STATE_STORED);

    const noRole = metadataForCaller({ tenantId: TENANT, actor: 'user:x', roles: [] });
    expect((await getMedia({ conversationId: stored.conversationId, messageId }, noRole).catch((e: unknown) => e)) as ServiceError).toMatchObject({
      code: GrpcStatus.PERMISSION_DENIED,
    });
    const other = await getMedia({ conversationId: stored.conversationId, messageId }, nurse(randomUUID())).catch((e: unknown) => e);
    expect(errorCode(other)).toBe('conversation_not_found');
    const wrongId = await getMedia({ conversationId: stored.conversationId, messageId: randomUUID() }, nurse(TENANT)).catch((e: unknown) => e);
    expect(errorCode(wrongId)).toBe('media_not_found');
  });
});
