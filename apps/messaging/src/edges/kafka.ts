// The topics messaging consumes, each handed to its use-case with the consumer's transaction
// (tenant set, dedupe row in it). Failures are sorted by the bus: a non-retryable DomainError
// (invalid_event, undecryptable_event) is dead-lettered at once, anything else retried.
import {
  auditEvent,
  messageStatusEvent,
  outboundRequestedEvent,
  outboundResultEvent,
  patientMessageReceivedEvent,
  patientPreferenceChangedEvent,
  recordEvent,
  templateStatusEvent,
} from '@careline/contracts';
import { type EventHandler, type TopicSpec, contractTopicSpecs, defineHandler } from '@careline/bus';
import { type MessagingUseCases } from '../use-cases';

export const CONSUMED_TOPICS = [
  patientMessageReceivedEvent.topic,
  messageStatusEvent.topic,
  outboundResultEvent.topic,
  patientPreferenceChangedEvent.topic,
  recordEvent.topic,
  templateStatusEvent.topic,
] as const;
export const PRODUCED_TOPICS = [outboundRequestedEvent.topic, auditEvent.topic] as const;

export function createMessagingEventHandlers(useCases: MessagingUseCases): EventHandler[] {
  return [
    defineHandler(patientMessageReceivedEvent, (payload, ctx) =>
      useCases.receivePatientMessage(ctx.client, payload, { id: ctx.id, tenantId: ctx.tenantId }),
    ),
    defineHandler(messageStatusEvent, (payload, ctx) =>
      useCases.applyMessageStatus(ctx.client, payload, { id: ctx.id, tenantId: ctx.tenantId }),
    ),
    defineHandler(outboundResultEvent, (payload, ctx) =>
      useCases.recordOutboundResult(ctx.client, payload, { id: ctx.id, tenantId: ctx.tenantId }),
    ),
    defineHandler(patientPreferenceChangedEvent, (payload, ctx) =>
      useCases.applyPatientPreference(ctx.client, payload, { id: ctx.id, tenantId: ctx.tenantId }),
    ),
    // records' patients and linked contacts → conversations linked to their patient
    defineHandler(recordEvent, (payload, ctx) =>
      useCases.applyRecordEvent(ctx.client, payload, { id: ctx.id, tenantId: ctx.tenantId }),
    ),
    // Meta's template verdicts → the template registry
    defineHandler(templateStatusEvent, (payload, ctx) =>
      useCases.applyTemplateStatus(ctx.client, payload, { id: ctx.id, tenantId: ctx.tenantId }),
    ),
  ];
}

/** What messaging creates at start when KAFKA_CREATE_TOPICS is on: its topics, and DLQs for those it consumes. */
export function messagingTopicSpecs(): TopicSpec[] {
  return contractTopicSpecs({ consumed: CONSUMED_TOPICS, produced: PRODUCED_TOPICS });
}
