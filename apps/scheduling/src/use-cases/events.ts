// AppointmentEventV1 on `appointment.events.v1`, enqueued in the transaction of the change. The
// patient's number is sealed under the event's own context (never the at-rest ciphertext copied).
import { randomUUID } from 'node:crypto';
import { type AppointmentEventV1, EVENT_KEYS, TOPICS, appointmentEvent, sealContext } from '@careline/contracts';
import { enqueue } from '@careline/bus';
import { type Queryable } from '@careline/db';
import { SCHEMA } from '../config';
import { type AppointmentRow } from '../db/appointments';
import { atRestContext } from '../domain/sealing';
import { EVENT_SOURCE } from './audit';
import { type UseCaseDeps } from './deps';

export type Change = NonNullable<AppointmentEventV1['change']>;
export type EventActor = 'staff' | 'patient' | 'integration' | 'system';

export async function emitAppointmentEvent(
  deps: Pick<UseCaseDeps, 'sealer' | 'atRest'>,
  client: Queryable,
  appointment: AppointmentRow,
  change: Change,
  actor: EventActor,
  at: Date,
): Promise<void> {
  const eventId = randomUUID();
  const tenantId = appointment.tenant_id;
  const waId = await deps.atRest.openString(tenantId, appointment.wa_id_sealed, atRestContext.appointmentWaId(appointment.id));
  const payload: AppointmentEventV1 = {
    tenantId,
    eventId,
    appointmentId: appointment.id,
    patientId: appointment.patient_id ?? '',
    patientWaIdHash: appointment.wa_id_hash,
    patientWaId: await deps.sealer.seal(tenantId, waId, sealContext(TOPICS.appointmentEvents, eventId)),
    clinicId: appointment.clinic_id,
    clinicianId: appointment.clinician_id,
    appointmentTypeId: appointment.appointment_type_id,
    startsAt: appointment.starts_at,
    endsAt: appointment.ends_at,
    externalId: appointment.external_id ?? '',
    occurredAt: at,
    actorType: actor,
    change,
  };
  await enqueue(client, SCHEMA, appointmentEvent, {
    id: eventId,
    key: EVENT_KEYS.appointmentEvents(payload),
    tenantId,
    source: EVENT_SOURCE,
    payload,
  });
}

/** staff or integration, from the caller's roles (integration clients hold the `integration` role). */
export function callerActor(roles: readonly string[]): EventActor {
  return roles.includes('integration') ? 'integration' : 'staff';
}
