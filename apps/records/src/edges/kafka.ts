// The topic records consumes: patients' messages, for self-service in chat ("my results", and the
// choice from the list records sent). Handled through libs/bus's idempotent consumer (a
// processed-event row per event), so a redelivered message is acted on once.
import { type EventHandler, defineHandler } from '@careline/bus';
import { patientMessageReceivedEvent } from '@careline/contracts';
import { type RecordsUseCases } from '../use-cases';

export const CONSUMED_TOPICS = [patientMessageReceivedEvent.topic] as const;

export function createRecordsEventHandlers(useCases: RecordsUseCases): EventHandler[] {
  return [
    defineHandler(patientMessageReceivedEvent, async (payload, ctx) => {
      // the event's tenant is the consumer's (CloudEvents ce_tenantid); a payload naming another is ignored
      if (payload.tenantId !== ctx.tenantId) return;
      await useCases.selfService.handlePatientMessage(payload);
    }),
  ];
}
