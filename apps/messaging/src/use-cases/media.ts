// Patient media: stored pending with its message (receive-patient-message.ts calls
// `recordInboundMedia` in the consumer's transaction), fetched from Meta through the gateway by a
// durable retry loop (`createMediaFetchJob`), and opened for staff (`createGetMedia`, audited
// `media.read`). The bytes are sealed at rest under `messaging:media:<id>:content`, so a
// ciphertext copied to another row or tenant does not open.
//
// Why messaging and not ingest fetches (DESIGN.md says ingest): messaging owns the stored media,
// and a fetch that fails must be retried long after the event was consumed without holding up the
// partition. A table with a due time does both; ingest would have to hand bytes on through Kafka.
import { createHash, randomUUID } from 'node:crypto';
import { type GetMediaRequest, type GetMediaResponse, type PatientMessageReceivedV1 } from '@careline/contracts';
import { type Pool, type PoolClient, isUuid, withTenant } from '@careline/db';
import { type DomainError, type Logger, type Resource, failedPrecondition, isDomainError, notFound } from '@careline/runtime';
import { getConversation } from '../db/conversations';
import {
  claimMedia,
  dueMediaIds,
  insertPendingMedia,
  markMediaAttemptFailed,
  markMediaStored,
  mediaContent,
  mediaForMessage,
  updateMessageContent,
} from '../db/media';
import { findMessageInConversation, lockMessageById } from '../db/messages';
import { decodeContent, encodeContent } from '../domain/content';
import { breakGlassRequired, conversationNotFound } from '../domain/errors';
import {
  DEFAULT_MEDIA_FETCH_POLICY,
  type MediaFetchPolicy,
  type MediaStateName,
  mediaMimeType,
  nextAttemptAt,
  withMediaState,
} from '../domain/media';
import { type AtRest, atRestContext } from '../domain/sealing';
import { conversationAccess, grantDetail } from './access';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { type PatientKeys } from './patient-keys';
import { patientOfMessage } from '../db/erasure';

export const mediaContext = (mediaId: string): string => `messaging:media:${mediaId}:content`;

/** Fetches one media object from Meta (the gateway's MediaService). Throws a DomainError. */
export interface MediaSource {
  fetch(tenantId: string, media: { phoneNumberId: string; mediaId: string }): Promise<{ content: Uint8Array; mimeType: string; sha256: string }>;
}

/** Meta's media fields of an inbound media message; undefined for other contents. */
export function inboundMediaSource(content: PatientMessageReceivedV1['content']): { mediaId: string; mimeType: string; sha256: string } | undefined {
  switch (content?.$case) {
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return { mediaId: content.value.mediaId, mimeType: content.value.mimeType, sha256: content.value.sha256 };
    default:
      return undefined;
  }
}

/** The media row of a just-stored inbound media message (none without a Meta media id: nothing to fetch). */
export async function recordInboundMedia(
  client: PoolClient,
  event: PatientMessageReceivedV1,
  facts: { tenantId: string; now: Date },
): Promise<void> {
  const source = inboundMediaSource(event.content);
  if (source === undefined || source.mediaId === '') return;
  await insertPendingMedia(client, {
    id: randomUUID(),
    tenantId: facts.tenantId,
    messageId: event.messageId,
    phoneNumberId: event.phoneNumberId,
    metaMediaId: source.mediaId,
    declaredMimeType: source.mimeType,
    declaredSha256: source.sha256,
    firstAttemptAt: facts.now,
  });
}

export interface MediaFetchJobOptions {
  pool: Pool;
  atRest: AtRest;
  /** the patient's key seals the bytes and the re-sealed message (crypto-shredding, issue 7) */
  patientKeys: PatientKeys;
  clock: () => Date;
  logger: Logger;
  source: MediaSource;
  policy?: MediaFetchPolicy;
  /** How often due rows are looked for; default 1 s. */
  pollIntervalMs?: number;
  /** Rows per poll; default 20. */
  batchSize?: number;
  /** Fetches in flight at once; default 4. */
  concurrency?: number;
}

export interface MediaFetchJob {
  /** One pass over the due rows; resolves to the number of rows attempted. */
  runOnce(): Promise<number>;
  resource: Resource;
}

export function createMediaFetchJob(options: MediaFetchJobOptions): MediaFetchJob {
  const policy = options.policy ?? DEFAULT_MEDIA_FETCH_POLICY;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 20;
  const concurrency = options.concurrency ?? 4;
  const { pool, atRest, patientKeys, clock, source } = options;
  const logger = options.logger.child({ component: 'media-fetch' });

  /** Rewrites the message's sealed content so the inbox shows the media row's state. */
  async function showState(
    client: PoolClient,
    tenantId: string,
    messageId: string,
    media: { id: string; state: MediaStateName; sizeBytes: number | null; mimeType: string | null },
  ): Promise<void> {
    const message = await lockMessageById(client, tenantId, messageId);
    if (message === undefined) return;
    const waIdHash = await patientOfMessage(client, tenantId, messageId);
    if (waIdHash === undefined) return;
    const patientAtRest = await patientKeys.forPatient(client, tenantId, waIdHash);
    const context = atRestContext.messageContent(messageId);
    const content = decodeContent(message.content_kind, await atRest.open(tenantId, message.content_sealed, context));
    await updateMessageContent(client, tenantId, messageId, await patientAtRest.seal(tenantId, encodeContent(withMediaState(content, media)), context));
  }

  async function attempt(tenantId: string, id: string): Promise<boolean> {
    const now = clock();
    const row = await withTenant(pool, tenantId, (client) => claimMedia(client, tenantId, id, now, new Date(now.getTime() + policy.leaseMs)));
    if (row === undefined) return false; // taken by another worker, or no longer due
    const log = logger.child({ tenant_id: tenantId, media_id: row.id, message_id: row.message_id, attempt: row.attempts });
    let fetched: Awaited<ReturnType<MediaSource['fetch']>>;
    try {
      fetched = await source.fetch(tenantId, { phoneNumberId: row.phone_number_id, mediaId: row.meta_media_id });
    } catch (error) {
      const code = isDomainError(error) ? error.code : 'media_fetch_error';
      const retryable = isDomainError(error) ? error.retryable : true;
      const at = clock();
      const retryAt = nextAttemptAt(policy, row.attempts, retryable, at);
      await withTenant(pool, tenantId, async (client) => {
        await markMediaAttemptFailed(client, tenantId, row.id, { errorCode: code, retryAt, at });
        if (retryAt === null) await showState(client, tenantId, row.message_id, { id: row.id, state: 'failed', sizeBytes: null, mimeType: null });
      });
      log.warn({ error_code: code, retry_at: retryAt?.toISOString() ?? null }, retryAt === null ? 'media fetch failed for good' : 'media fetch failed');
      return true;
    }
    const sha256 = createHash('sha256').update(fetched.content).digest('hex');
    const mimeType = mediaMimeType(fetched.content, fetched.mimeType || row.declared_mime_type);
    await withTenant(pool, tenantId, async (client) => {
      const at = clock();
      // the message (and its conversation) may have been erased while the bytes were fetched
      const waIdHash = await patientOfMessage(client, tenantId, row.message_id);
      if (waIdHash === undefined) return;
      const patientAtRest = await patientKeys.forPatient(client, tenantId, waIdHash);
      const contentSealed = await patientAtRest.seal(tenantId, fetched.content, mediaContext(row.id));
      const stored = await markMediaStored(client, tenantId, row.id, { mimeType, sizeBytes: fetched.content.byteLength, sha256, contentSealed, at });
      if (stored) await showState(client, tenantId, row.message_id, { id: row.id, state: 'stored', sizeBytes: fetched.content.byteLength, mimeType });
    });
    log.info({ size_bytes: fetched.content.byteLength }, 'media stored');
    return true;
  }

  async function runOnce(): Promise<number> {
    const due = await dueMediaIds(pool, clock(), batchSize);
    let attempted = 0;
    // a few at a time: one slow download (up to the gateway's deadline) must not hold up the rest
    const queue = [...due];
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        try {
          if (await attempt(next.tenantId, next.id)) attempted += 1;
        } catch (error) {
          // a database hiccup: the lease expires and the row is tried again
          logger.error({ tenant_id: next.tenantId, media_id: next.id, err: error }, 'media fetch attempt crashed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    return attempted;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((error: unknown) => logger.error({ err: error }, 'media fetch poll failed'))
        .finally(schedule);
    }, pollIntervalMs);
  };
  return {
    runOnce,
    resource: {
      name: 'media-fetch',
      start() {
        stopped = false;
        schedule();
        return Promise.resolve();
      },
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await running;
      },
    },
  };
}

export type GetMedia = (caller: TenantCaller, request: GetMediaRequest) => Promise<GetMediaResponse>;

export function createGetMedia(deps: UseCaseDeps): GetMedia {
  return async (caller, request) => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    if (!isUuid(request.messageId)) throw mediaNotFound();
    const resource = { type: 'message', id: request.messageId.toLowerCase() };
    const result = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const audit = (facts: Omit<Parameters<typeof recordAudit>[2], 'action' | 'resource' | 'at'>) =>
        recordAudit(client, caller, { action: AUDIT_ACTIONS.readMedia, resource, at: deps.clock(), ...facts });
      const conversation = await getConversation(client, caller.tenantId, request.conversationId);
      if (conversation === undefined) {
        await audit({ outcome: 'failure', detail: { reason: 'conversation_not_found' } });
        return { ok: false as const, refused: conversationNotFound() };
      }
      const patient = { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id };
      const access = await conversationAccess(client, caller, conversation, deps.clock());
      if (!access.allowed) {
        await audit({ patient, outcome: 'denied', detail: { reason: 'break_glass_required' } });
        return { ok: false as const, refused: breakGlassRequired(conversation.id) };
      }
      const message = await findMessageInConversation(client, caller.tenantId, conversation.id, request.messageId);
      const media = message?.content_kind === 'media' ? await mediaForMessage(client, caller.tenantId, message.id) : undefined;
      if (message === undefined || message.content_kind !== 'media') {
        await audit({ patient, outcome: 'failure', detail: { reason: 'media_not_found', conversation_id: conversation.id } });
        return { ok: false as const, refused: mediaNotFound() };
      }
      if (media?.state !== 'stored') {
        const reason = media?.state === 'pending' ? 'media_pending' : 'media_unavailable';
        await audit({ patient, outcome: 'failure', detail: { reason, conversation_id: conversation.id } });
        return { ok: false as const, refused: reason === 'media_pending' ? mediaPending() : mediaUnavailable() };
      }
      const sealed = await mediaContent(client, caller.tenantId, media.id);
      if (sealed === undefined) throw new Error('stored media without content');
      await audit({
        patient,
        outcome: 'success',
        detail: { conversation_id: conversation.id, media_id: media.id, ...grantDetail(access) },
      });
      const plaintext = await deps.atRest.open(caller.tenantId, sealed, mediaContext(media.id));
      const content = decodeContent('media', await deps.atRest.open(caller.tenantId, message.content_sealed, atRestContext.messageContent(message.id)));
      return { ok: true as const, media, plaintext, filename: content.$case === 'media' ? content.value.filename : '' };
    });
    // thrown after the commit, so that the audit event of the refusal is kept
    if (!result.ok) throw result.refused;
    return {
      content: result.plaintext,
      mimeType: result.media.mime_type ?? 'application/octet-stream',
      filename: result.filename,
      sizeBytes: result.plaintext.byteLength,
      sha256: result.media.sha256 ?? '',
    };
  };
}

export function mediaNotFound(): DomainError {
  return notFound('media_not_found', 'The conversation has no media message with this id.');
}

export function mediaPending(): DomainError {
  return failedPrecondition('media_pending', 'The media has not been fetched from WhatsApp yet; try again shortly.');
}

export function mediaUnavailable(): DomainError {
  return failedPrecondition('media_unavailable', 'The media could not be fetched from WhatsApp.');
}

