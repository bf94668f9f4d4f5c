// The Kafka edge: `wa.webhook.received.v1` → the ingest use-case, inside the idempotent consumer's
// transaction. Error translation happens once, in the bus: the use-case's non-retryable
// DomainErrors dead-letter the record at once, anything else is retried and then dead-lettered,
// and an unavailable database makes the partition wait.
import { type EventHandler, defineHandler } from '@careline/bus';
import { webhookReceivedEvent } from '@careline/contracts';
import { type IngestHandlers } from '../use-cases/ingest-webhook';

export function webhookReceivedHandler(handlers: IngestHandlers): EventHandler {
  return defineHandler(webhookReceivedEvent, async (webhook, ctx) => {
    await handlers.ingestWebhook(ctx.client, webhook, { id: ctx.id, tenantId: ctx.tenantId, time: ctx.time });
  });
}
