// The use-case: one `WebhookReceivedV1` (a raw webhook body, sealed by the gateway) → domain events.
//
// Runs inside the consumer's transaction (tenant set, processed mark already written): opens the
// body, parses it with @careline/whatsapp, and for each inbound message and each status records
// its dedupe key and enqueues the event in the outbox, all in that transaction. So a webhook is
// either fully turned into events or not at all, and a message Meta (or the gateway, or Kafka)
// delivers again finds its key and emits nothing.
//
// A body that can never be processed (does not open, does not parse) throws a non-retryable
// DomainError: the bus dead-letters the record at once and the partition moves on.
import { createHash } from 'node:crypto';
import { enqueue } from '@careline/bus';
import {
  EVENT_KEYS,
  TOPICS,
  type WebhookReceivedV1,
  PatientPreferenceValue,
  type PatientPreferenceChangedV1,
  WA_ID_HASH_PURPOSE,
  messageStatusEvent,
  patientMessageReceivedEvent,
  patientPreferenceChangedEvent,
  sealContext,
  templateStatusEvent,
} from '@careline/contracts';
import { DecryptionError, type Sealer } from '@careline/crypto';
import { type PoolClient } from '@careline/db';
import { DomainError, type ErrorDetails, type Logger } from '@careline/runtime';
import { type WebhookEvent, WebhookValidationError, parseWebhookBytes } from '@careline/whatsapp';
import { recordInboundMessage, recordStatusUpdate } from '../db/dedupe';
import { INGEST_SCHEMA } from '../db/migrations';
import { type EventOutcome, type IngestMetrics } from '../metrics';
import { toMessageStatus } from './to-message-status';
import { toPatientMessageReceived } from './to-patient-message';
import { TEMPLATE_STATUS_FIELD, type TemplateStatusChange, templateStatusChanges } from './template-status';

/** `ce_source` of everything ingest emits. */
export const INGEST_SOURCE = '/careline/ingest';

/** The envelope facts of the consumed event that the use-case needs. */
export interface ConsumedEnvelope {
  /** `ce_id` of the consumed event, for logs. */
  id: string;
  /** `ce_tenantid`: the transaction's tenant. */
  tenantId: string;
  /** `ce_time`: stands in for `received_at` if the gateway left it out. */
  time: Date;
}

export interface IngestSummary {
  events: number;
  emitted: number;
  duplicates: number;
  ignored: number;
}

export interface IngestDeps {
  sealer: Sealer;
  logger: Logger;
  metrics: IngestMetrics;
  /** Careline message ids; a random UUID in production. */
  newId: () => string;
}

export function createIngestHandlers(deps: IngestDeps) {
  const { sealer, logger, metrics } = deps;

  function reject(code: string, message: string, envelope: ConsumedEnvelope, details?: ErrorDetails): never {
    metrics.webhook('rejected');
    logger.warn({ eventId: envelope.id, tenantId: envelope.tenantId, code, ...details }, 'webhook rejected');
    // invalid_argument is not retryable: the same bytes will never parse.
    throw new DomainError({ code, kind: 'invalid_argument', message, details, retryable: false });
  }

  async function openBody(webhook: WebhookReceivedV1, envelope: ConsumedEnvelope): Promise<Uint8Array> {
    if (webhook.tenantId.toLowerCase() !== envelope.tenantId) {
      reject('tenant_mismatch', 'the webhook payload names another tenant than its envelope', envelope);
    }
    if (webhook.body === undefined || webhook.bodySha256 === '') {
      reject('webhook_body_missing', 'the webhook event carries no sealed body or no body digest', envelope);
    }
    let raw: Uint8Array;
    try {
      raw = await sealer.open(
        envelope.tenantId,
        webhook.body,
        sealContext(TOPICS.webhookReceived, webhook.bodySha256),
      );
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      reject(
        'webhook_body_unreadable',
        'the sealed webhook body does not open for this tenant and digest',
        envelope,
      );
    }
    // The digest is the sealed context, so a mismatch means the gateway sealed other bytes than it hashed.
    if (createHash('sha256').update(raw).digest('hex') !== webhook.bodySha256.toLowerCase()) {
      reject('webhook_digest_mismatch', 'the webhook body does not match its body_sha256', envelope);
    }
    return raw;
  }

  async function ingestEvent(
    client: PoolClient,
    event: WebhookEvent,
    webhook: WebhookReceivedV1,
    envelope: ConsumedEnvelope,
  ): Promise<EventOutcome> {
    const tenantId = envelope.tenantId;
    switch (event.kind) {
      case 'message': {
        const messageId = deps.newId();
        const wamid = event.message.wamid;
        const fresh = await recordInboundMessage(client, {
          tenantId,
          wamid,
          messageId,
          phoneNumberId: event.phoneNumberId,
        });
        if (!fresh) {
          logger.debug({ eventId: envelope.id, tenantId, wamid }, 'duplicate inbound message dropped');
          return 'duplicate';
        }
        const payload = await toPatientMessageReceived(sealer, {
          tenantId,
          messageId,
          receivedAt: webhook.receivedAt ?? envelope.time,
          event,
        });
        await enqueue(client, INGEST_SCHEMA, patientMessageReceivedEvent, {
          key: EVENT_KEYS.patientMessageReceived(payload),
          tenantId,
          source: INGEST_SOURCE,
          payload,
        });
        logger.debug(
          {
            eventId: envelope.id,
            tenantId,
            messageId,
            wamid,
            phoneNumberId: event.phoneNumberId,
            messageType: event.message.type,
          },
          'inbound message emitted',
        );
        return 'emitted';
      }
      case 'status': {
        const fresh = await recordStatusUpdate(client, {
          tenantId,
          wamid: event.wamid,
          status: event.status,
        });
        if (!fresh) {
          logger.debug(
            { eventId: envelope.id, tenantId, wamid: event.wamid, status: event.status },
            'duplicate status dropped',
          );
          return 'duplicate';
        }
        const payload = await toMessageStatus(sealer, { tenantId, event });
        await enqueue(client, INGEST_SCHEMA, messageStatusEvent, {
          key: EVENT_KEYS.messageStatus(payload),
          tenantId,
          source: INGEST_SOURCE,
          payload,
        });
        logger.debug(
          {
            eventId: envelope.id,
            tenantId,
            wamid: event.wamid,
            status: event.status,
            messageId: payload.messageId,
          },
          'message status emitted',
        );
        return 'emitted';
      }
      case 'user_preference': {
        // Meta's marketing stop/resume → patient.preference.changed.v1 (messaging keeps consent).
        // Not de-duplicated here: a repeated change is a no-op for messaging (same state). Ids
        // only in logs: the wa_id is patient data.
        const eventId = deps.newId();
        const context = sealContext(TOPICS.patientPreferenceChanged, eventId);
        const payload: PatientPreferenceChangedV1 = {
          tenantId,
          eventId,
          phoneNumberId: event.phoneNumberId,
          waId: await sealer.seal(tenantId, event.waId, context),
          waIdHash: await sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, event.waId),
          category: event.category,
          value:
            event.value === 'stop'
              ? PatientPreferenceValue.PATIENT_PREFERENCE_VALUE_STOP
              : PatientPreferenceValue.PATIENT_PREFERENCE_VALUE_RESUME,
          changedAt: event.date,
        };
        await enqueue(client, INGEST_SCHEMA, patientPreferenceChangedEvent, {
          key: EVENT_KEYS.patientPreferenceChanged(payload),
          tenantId,
          source: INGEST_SOURCE,
          payload,
        });
        logger.info(
          { eventId: envelope.id, tenantId, kind: event.kind, phoneNumberId: event.phoneNumberId, preferenceEventId: eventId },
          'patient preference emitted',
        );
        return 'emitted';
      }
      case 'error':
        logger.info(
          {
            eventId: envelope.id,
            tenantId,
            kind: event.kind,
            phoneNumberId: event.phoneNumberId,
            metaErrorCode: event.error.code,
          },
          'webhook event not handled yet',
        );
        return 'ignored';
      case 'other':
        logger.info(
          { eventId: envelope.id, tenantId, kind: event.kind, wabaId: event.wabaId, field: event.field },
          'webhook event not handled yet',
        );
        return 'ignored';
    }
  }

  /** Meta's verdict on a template → wa.template.status.v1 (messaging's registry). No patient data. */
  async function emitTemplateStatus(
    client: PoolClient,
    change: TemplateStatusChange,
    webhook: WebhookReceivedV1,
    envelope: ConsumedEnvelope,
  ): Promise<void> {
    const tenantId = envelope.tenantId;
    const eventId = deps.newId();
    const payload = {
      tenantId,
      eventId,
      wabaId: change.wabaId,
      templateId: change.templateId,
      templateName: change.templateName,
      languageCode: change.languageCode,
      status: change.status,
      reason: change.reason,
      changedAt: change.time ?? webhook.receivedAt ?? envelope.time,
    };
    // Not de-duplicated here: a repeated verdict is a no-op for messaging (same status, same time).
    await enqueue(client, INGEST_SCHEMA, templateStatusEvent, {
      key: EVENT_KEYS.templateStatus(payload),
      tenantId,
      source: INGEST_SOURCE,
      payload,
    });
    logger.info(
      { eventId: envelope.id, tenantId, wabaId: change.wabaId, templateId: change.templateId, status: change.status, templateEventId: eventId },
      'template status emitted',
    );
  }

  return {
    async ingestWebhook(
      client: PoolClient,
      webhook: WebhookReceivedV1,
      envelope: ConsumedEnvelope,
    ): Promise<IngestSummary> {
      const raw = await openBody(webhook, envelope);
      let events: WebhookEvent[];
      try {
        events = parseWebhookBytes(raw).events;
      } catch (error) {
        if (!(error instanceof WebhookValidationError)) throw error;
        // The reasons are schema paths and issue codes, never payload values.
        reject('webhook_invalid', 'the webhook body is not a valid WhatsApp webhook', envelope, {
          reasons: [...error.reasons],
        });
      }
      const summary: IngestSummary = { events: events.length, emitted: 0, duplicates: 0, ignored: 0 };
      const isTemplateStatus = (event: WebhookEvent) => event.kind === 'other' && event.field === TEMPLATE_STATUS_FIELD;
      for (const event of events) {
        // template verdicts: read from the body below (the parser keeps no value for this field)
        if (isTemplateStatus(event)) continue;
        const outcome = await ingestEvent(client, event, webhook, envelope);
        metrics.event(event.kind, outcome);
        if (outcome === 'emitted') summary.emitted += 1;
        else if (outcome === 'duplicate') summary.duplicates += 1;
        else summary.ignored += 1;
      }
      if (events.some(isTemplateStatus)) {
        const templates = templateStatusChanges(raw);
        for (const change of templates.changes) {
          await emitTemplateStatus(client, change, webhook, envelope);
          metrics.event('other', 'emitted');
          summary.emitted += 1;
        }
        for (let i = 0; i < templates.skipped; i += 1) metrics.event('other', 'ignored');
        summary.ignored += templates.skipped;
        if (templates.skipped > 0) {
          logger.warn({ eventId: envelope.id, tenantId: envelope.tenantId, skipped: templates.skipped }, 'malformed template status changes skipped');
        }
      }
      metrics.webhook('ingested');
      logger.info({ eventId: envelope.id, tenantId: envelope.tenantId, ...summary }, 'webhook ingested');
      return summary;
    },
  };
}

export type IngestHandlers = ReturnType<typeof createIngestHandlers>;
