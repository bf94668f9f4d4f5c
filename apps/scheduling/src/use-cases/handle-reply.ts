// A patient's reply on `patient.message.received.v1` (the consumer's transaction, tenant set,
// dedupe row in it): a button or list row carrying one of scheduling's references confirms,
// cancels or reschedules the appointment, and the answer to the patient is queued as a send
// request in the same transaction. Anything else is not scheduling's and is ignored.
// Staleness: a reference whose appointment is no longer active, or that was sent before the
// appointment's last move, gets a polite, correct answer instead of acting.
import { randomUUID } from 'node:crypto';
import { type PatientMessageReceivedV1 } from '@careline/contracts';
import { type Queryable } from '@careline/db';
import { type Logger } from '@careline/runtime';
import { type AppointmentRow, getAppointment, inSavepoint, updateAppointment } from '../db/appointments';
import { getReminder, insertSendRequests, latestConversation } from '../db/reminders';
import { type OfferedSlot, getOffer, getReply, insertOffer, insertReply, markOfferUsed } from '../db/replies';
import { isDoubleBooking } from '../db/rows';
import { type Reference, parseReference } from '../domain/references';
import { isActive } from '../domain/states';
import { type ReplyKind } from '../domain/texts';
import { MINUTE_MS } from '../domain/time';
import { AUDIT_ACTIONS } from './audit';
import { type AppointmentUseCases } from './appointments';
import { createBookingChat } from './booking-chat';
import { type UseCaseDeps } from './deps';
import { emitAppointmentEvent } from './events';
import { loadPolicy } from './plan';
import { searchSlots } from './setup';

/** Slots offered in one list (a list holds 10 rows; one is the path to a person). */
const OFFERED_SLOTS = 9;
const OFFER_HORIZON_DAYS = 14;

export function referenceIn(event: PatientMessageReceivedV1): string | undefined {
  const content = event.content;
  if (content === undefined) return undefined;
  switch (content.$case) {
    case 'templateButtonReply':
      return content.value.payload;
    case 'buttonReply':
      return content.value.buttonId;
    case 'listReply':
      return content.value.rowId;
    default:
      return undefined;
  }
}

export function createReplyHandler(deps: UseCaseDeps, appointments: AppointmentUseCases) {
  const { clock } = deps;
  const logger: Logger = deps.logger;
  const bookingChat = createBookingChat(deps, appointments);

  async function answer(
    client: Queryable,
    appointment: AppointmentRow,
    kind: ReplyKind,
    conversationId: string,
    now: Date,
    extra: { reminderId?: string | null; offerId?: string | null } = {},
  ): Promise<void> {
    const id = randomUUID();
    await insertReply(client, appointment.tenant_id, {
      id,
      appointmentId: appointment.id,
      reminderId: extra.reminderId ?? null,
      kind,
      conversationId,
      offerId: extra.offerId ?? null,
      at: now,
    });
    await insertSendRequests(client, appointment.tenant_id, 'reply', [{ id, appointmentId: appointment.id }], now);
  }

  /** Offers the next free slots (same clinic and type); the answer is the list, or "none free". */
  async function offer(client: Queryable, appointment: AppointmentRow, conversationId: string, kind: 'slot_offer' | 'slot_taken', now: Date): Promise<void> {
    const policy = await loadPolicy(client, appointment.tenant_id);
    const from = new Date(now.getTime() + Math.max(policy.minLeadMinutes, 60) * MINUTE_MS);
    const slots = await searchSlots(client, appointment.tenant_id, {
      typeId: appointment.appointment_type_id,
      clinicId: appointment.clinic_id,
      from,
      to: new Date(from.getTime() + OFFER_HORIZON_DAYS * 86_400_000),
      limit: OFFERED_SLOTS,
    });
    if (slots.length === 0) {
      await answer(client, appointment, 'no_slots', conversationId, now);
      return;
    }
    const offerId = randomUUID();
    const offered: OfferedSlot[] = slots.map((slot) => ({ clinicianId: slot.clinicianId, startsAt: slot.startsAt.toISOString() }));
    await insertOffer(client, appointment.tenant_id, { id: offerId, appointmentId: appointment.id, slots: offered, conversationId, at: now });
    await answer(client, appointment, kind, conversationId, now, { offerId });
  }

  const patientActor = (appointment: AppointmentRow) => ({ patient: { patientId: appointment.patient_id } });

  async function onAppointmentReference(client: Queryable, tenantId: string, event: PatientMessageReceivedV1, ref: Extract<Reference, { kind: 'appointment' }>): Promise<void> {
    const now = clock();
    const appointment = await getAppointment(client, tenantId, ref.appointmentId, { forUpdate: true });
    // Only the appointment's own patient can act on it (a forwarded button does nothing).
    if (appointment === undefined || appointment.wa_id_hash !== event.waIdHash) {
      logger.info({ tenant_id: tenantId, message_id: event.messageId }, 'reply names no appointment of this patient; ignored');
      return;
    }
    const reminder = await getReminder(client, tenantId, ref.sourceId);
    const earlier = reminder === undefined ? await getReply(client, tenantId, ref.sourceId) : undefined;
    const source =
      reminder !== undefined && reminder.appointment_id === appointment.id
        ? { createdAt: reminder.created_at, conversationId: reminder.conversation_id, reminderId: reminder.id }
        : earlier !== undefined && earlier.appointment_id === appointment.id
          ? { createdAt: earlier.created_at, conversationId: earlier.conversation_id, reminderId: earlier.reminder_id }
          : undefined;
    if (source === undefined) {
      logger.info({ tenant_id: tenantId, message_id: event.messageId }, 'reply names an unknown reminder; ignored');
      return;
    }
    const conversationId = source.conversationId ?? (await latestConversation(client, tenantId, appointment.id));
    if (conversationId === undefined) {
      logger.warn({ tenant_id: tenantId, appointment_id: appointment.id }, 'no conversation known for the reply; cannot answer');
      return;
    }
    if (ref.action === 'staff') return;
    if (!isActive(appointment.state)) {
      await answer(client, appointment, 'stale_cancelled', conversationId, now, { reminderId: source.reminderId });
      return;
    }
    if (appointment.moved_at !== null && source.createdAt.getTime() < appointment.moved_at.getTime()) {
      await answer(client, appointment, 'stale_moved', conversationId, now, { reminderId: source.reminderId });
      return;
    }
    switch (ref.action) {
      case 'confirm': {
        let row = appointment;
        if (appointment.state !== 'confirmed') {
          row = await updateAppointment(client, tenantId, appointment.id, { state: 'confirmed', confirmedAt: now, at: now });
          await emitAppointmentEvent(deps, client, row, { $case: 'confirmed', value: { reminderId: source.reminderId ?? '' } }, 'patient', now);
          await appointments.audit(client, patientActor(row), row, AUDIT_ACTIONS.confirm, now);
        }
        await answer(client, row, 'confirmed', conversationId, now, { reminderId: source.reminderId });
        return;
      }
      case 'cancel': {
        const row = await appointments.cancelIn(client, appointment, true, 'patient', now);
        await appointments.audit(client, patientActor(row), row, AUDIT_ACTIONS.cancel, now);
        await answer(client, row, 'cancelled', conversationId, now, { reminderId: source.reminderId });
        return;
      }
      case 'reschedule':
        await offer(client, appointment, conversationId, 'slot_offer', now);
        return;
    }
  }

  async function onSlotReference(client: Queryable, tenantId: string, event: PatientMessageReceivedV1, ref: Extract<Reference, { kind: 'slot' }>): Promise<void> {
    const now = clock();
    const offered = await getOffer(client, tenantId, ref.offerId, { forUpdate: true });
    if (offered === undefined) return;
    const appointment = await getAppointment(client, tenantId, offered.appointment_id, { forUpdate: true });
    if (appointment === undefined || appointment.wa_id_hash !== event.waIdHash) return;
    if (!isActive(appointment.state)) {
      await answer(client, appointment, 'stale_cancelled', offered.conversation_id, now);
      return;
    }
    if (offered.used_at !== null || (appointment.moved_at !== null && offered.created_at.getTime() < appointment.moved_at.getTime())) {
      await answer(client, appointment, 'stale_moved', offered.conversation_id, now);
      return;
    }
    const slot = offered.slots[ref.index];
    if (slot === undefined) return;
    try {
      // The patient picked this time themselves: the moved appointment counts as confirmed.
      const row = await inSavepoint(client, () =>
        appointments.move(client, appointment, { startsAt: new Date(slot.startsAt), clinicianId: slot.clinicianId, state: 'confirmed', confirmedAt: now }, 'patient', now),
      );
      await markOfferUsed(client, tenantId, offered.id, now);
      await appointments.audit(client, patientActor(row), row, AUDIT_ACTIONS.reschedule, now);
      await answer(client, row, 'rescheduled', offered.conversation_id, now);
    } catch (error) {
      if (!isDoubleBooking(error)) throw error;
      // taken since it was offered (another patient, staff): offer what is free now
      await offer(client, appointment, offered.conversation_id, 'slot_taken', now);
    }
  }

  return async function handlePatientMessage(client: Queryable, event: PatientMessageReceivedV1, meta: { tenantId: string }): Promise<void> {
    // the envelope's tenant is the one the transaction runs in; a payload naming another is bogus
    if (event.tenantId !== meta.tenantId) return;
    if (event.content?.$case === 'text') {
      if (event.content.value.body !== undefined) await bookingChat.onText(client, meta.tenantId, event, event.content.value.body);
      return;
    }
    const value = referenceIn(event);
    if (value === undefined) return;
    const ref = parseReference(value);
    if (ref === undefined) return;
    if (ref.kind === 'appointment') await onAppointmentReference(client, meta.tenantId, event, ref);
    else if (ref.kind === 'slot') await onSlotReference(client, meta.tenantId, event, ref);
    else await bookingChat.onReference(client, meta.tenantId, event, ref.bookingId, ref.action);
  };
}
