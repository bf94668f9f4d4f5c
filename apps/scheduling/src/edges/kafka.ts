// The topic scheduling consumes (patients' replies), handed to the reply handler with the
// consumer's transaction (tenant set, dedupe row in it): each reply acts exactly once.
import { appointmentEvent, auditEvent, patientMessageReceivedEvent } from '@careline/contracts';
import { type EventHandler, type TopicSpec, contractTopicSpecs, defineHandler } from '@careline/bus';
import { type SchedulingUseCases } from '../use-cases';

export const CONSUMED_TOPICS = [patientMessageReceivedEvent.topic] as const;
export const PRODUCED_TOPICS = [appointmentEvent.topic, auditEvent.topic] as const;

export function createSchedulingEventHandlers(useCases: SchedulingUseCases): EventHandler[] {
  return [
    defineHandler(patientMessageReceivedEvent, (payload, ctx) => useCases.handlePatientMessage(ctx.client, payload, { tenantId: ctx.tenantId })),
  ];
}

/** What scheduling creates at start when KAFKA_CREATE_TOPICS is on. */
export function schedulingTopicSpecs(): TopicSpec[] {
  return contractTopicSpecs({ consumed: CONSUMED_TOPICS, produced: PRODUCED_TOPICS });
}
