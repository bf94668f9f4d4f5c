// The Kafka edge: `audit.events.v1` → appendEvent inside the idempotent consumer's transaction
// (tenant set). Errors are translated once, by the bus: a DomainError (invalid_argument) dead-
// letters the record, anything else is retried.
import { type EventHandler, defineHandler } from '@careline/bus';
import { auditEvent } from '@careline/contracts';
import { type AppendEvent } from '../use-cases/append-event';

export function auditEventHandler(appendEvent: AppendEvent): EventHandler {
  return defineHandler(auditEvent, async (event, ctx) => {
    await appendEvent(ctx.client, event, { id: ctx.id, tenantId: ctx.tenantId, source: ctx.source, time: ctx.time });
  });
}
