// Booking in chat (issue 6): a patient whose whole message asks for an appointment ("I need an
// appointment", "quiero una cita") gets, inside the 24-hour window, an interactive list of
// appointment types per clinic, then the next free slots, then a confirm button; confirming books
// the appointment (reminders planned, event and audit as for any booking) and the patient gets a
// confirmation. Every message has "Talk to the team", which ends the flow and leaves the chat to
// staff (messaging's inbox shows the tap). Runs in the consumer's transaction (tenant set, dedupe
// row in it): each tap acts once; the flow's row is locked so taps are handled in turn.
import { randomUUID } from 'node:crypto';
import { type PatientMessageReceivedV1, TOPICS, sealContext } from '@careline/contracts';
import { type Queryable } from '@careline/db';
import { isDomainError } from '@careline/runtime';
import {
  type BookingChoices,
  type ChatBookingRow,
  type ChatOption,
  bookableOptions,
  getBooking,
  getBookingKeywords,
  insertChatMessage,
  knownConversation,
  startBooking,
  updateBooking,
} from '../db/booking-chat';
import { inSavepoint } from '../db/appointments';
import { findClinicians } from '../db/calendar';
import { insertSendRequests } from '../db/reminders';
import { isDoubleBooking } from '../db/rows';
import { DEFAULT_BOOKING_KEYWORDS, bookingRequestLanguage, bookingTextsFor } from '../domain/booking-chat';
import { type BookingAction, bookingReference } from '../domain/references';
import { formatSlotTitle, formatWhen } from '../domain/texts';
import { MINUTE_MS } from '../domain/time';
import { type AppointmentUseCases } from './appointments';
import { AUDIT_ACTIONS } from './audit';
import { type UseCaseDeps } from './deps';
import { loadPolicy } from './plan';
import { searchSlots } from './setup';

/** A list holds 10 rows; one is the path to a person. */
const LIST_ROWS = 9;
const SLOT_HORIZON_DAYS = 14;
/** Long enough to choose calmly; offered slots older than this are not trusted any more. */
const FLOW_LIFETIME_MS = 2 * 60 * MINUTE_MS;

export function createBookingChat(deps: UseCaseDeps, appointments: AppointmentUseCases) {
  const { clock, logger } = deps;

  async function say(client: Queryable, booking: Pick<ChatBookingRow, 'tenant_id' | 'id' | 'conversation_id'>, body: string, options: ChatOption[], listButton: string, now: Date) {
    const id = randomUUID();
    // three or fewer options go out as reply buttons (titles of at most 20 characters)
    const shaped = options.length <= 3 ? options.map((option) => ({ ...option, title: option.title.slice(0, 20), description: '' })) : options;
    await insertChatMessage(client, booking.tenant_id, { id, bookingId: booking.id, conversationId: booking.conversation_id, body, options: shaped, listButton, at: now });
    // the send request names the flow where others name the appointment (there is none yet)
    await insertSendRequests(client, booking.tenant_id, 'chat', [{ id, appointmentId: booking.id }], now);
  }

  const option = (bookingId: string, action: BookingAction, title: string, description = ''): ChatOption => ({
    id: bookingReference(bookingId, action),
    title: title.slice(0, 24),
    description: description.slice(0, 72),
  });
  const staffOption = (booking: Pick<ChatBookingRow, 'id' | 'language'>) => option(booking.id, { step: 'staff' }, bookingTextsFor(booking.language).staff);

  async function typeNames(client: Queryable, tenantId: string) {
    return new Map((await bookableOptions(client, tenantId, 500)).map((o) => [`${o.typeId}:${o.clinicId}`, o]));
  }

  /** Offers the next free slots of the chosen type and clinic (or says there are none). */
  async function offerSlots(client: Queryable, booking: ChatBookingRow, choices: BookingChoices, intro: 'fresh' | 'taken', now: Date): Promise<void> {
    const texts = bookingTextsFor(booking.language);
    const typeId = choices.typeId ?? '';
    const clinicId = choices.clinicId ?? '';
    const policy = await loadPolicy(client, booking.tenant_id);
    const from = new Date(now.getTime() + Math.max(policy.minLeadMinutes, 60) * MINUTE_MS);
    const slots = await searchSlots(client, booking.tenant_id, { typeId, clinicId, from, to: new Date(from.getTime() + SLOT_HORIZON_DAYS * 86_400_000), limit: LIST_ROWS });
    const offered = slots.map((slot) => ({ clinicianId: slot.clinicianId, startsAt: slot.startsAt.toISOString() }));
    await updateBooking(client, booking.tenant_id, booking.id, { step: 'slot', choices: { ...choices, slots: offered }, at: now });
    if (offered.length === 0) {
      await say(client, booking, texts.noSlots, [staffOption(booking)], '', now);
      return;
    }
    const clinicians = new Map((await findClinicians(client, booking.tenant_id, { clinicianIds: offered.map((s) => s.clinicianId) })).map((c) => [c.id, c]));
    const rows = offered.map((slot, index) => {
      const clinician = clinicians.get(slot.clinicianId);
      return option(booking.id, { step: 'slot', index }, formatSlotTitle(new Date(slot.startsAt), booking.language, clinician?.time_zone ?? 'UTC'), clinician?.display_name ?? '');
    });
    const what = (await typeNames(client, booking.tenant_id)).get(`${typeId}:${clinicId}`);
    const body = intro === 'taken' ? texts.slotTaken : texts.chooseSlot(what === undefined ? '' : `${what.typeName} (${what.clinicName})`);
    await say(client, booking, body, [...rows, staffOption(booking)], texts.pickSlot, now);
  }

  /** A text message: starts a flow when the whole message is one of the tenant's phrases. */
  async function onText(client: Queryable, tenantId: string, event: PatientMessageReceivedV1, sealedBody: Parameters<typeof deps.sealer.openString>[1]): Promise<void> {
    const keywords = (await getBookingKeywords(client, tenantId)) ?? DEFAULT_BOOKING_KEYWORDS;
    const text = await deps.sealer.openString(tenantId, sealedBody, sealContext(TOPICS.patientMessageReceived, event.messageId));
    const language = bookingRequestLanguage(text, keywords);
    if (language === undefined) return;
    const conversationId = await knownConversation(client, tenantId, event.waIdHash, event.phoneNumberId);
    if (conversationId === undefined) {
      // messaging's SendInteractive needs the conversation id, which only messaging knows for a
      // patient scheduling never wrote to; staff see the request in the inbox (README, "Booking in chat")
      logger.info({ tenant_id: tenantId, message_id: event.messageId }, 'booking request from a patient with no known conversation; left to staff');
      return;
    }
    const now = clock();
    const options = await bookableOptions(client, tenantId, LIST_ROWS);
    const booking = {
      tenant_id: tenantId,
      wa_id_hash: event.waIdHash,
      id: randomUUID(),
      phone_number_id: event.phoneNumberId,
      conversation_id: conversationId,
      language,
      step: 'type' as const,
      choices: { options: options.map((o) => ({ typeId: o.typeId, clinicId: o.clinicId })) },
      expires_at: new Date(now.getTime() + FLOW_LIFETIME_MS),
    };
    await startBooking(client, {
      tenantId,
      waIdHash: booking.wa_id_hash,
      id: booking.id,
      phoneNumberId: booking.phone_number_id,
      conversationId,
      language,
      choices: booking.choices,
      expiresAt: booking.expires_at,
      at: now,
    });
    const texts = bookingTextsFor(language);
    if (options.length === 0) {
      await say(client, booking, texts.noTypes, [staffOption(booking)], '', now);
      return;
    }
    // as reply buttons (three options or fewer) there is no description: name the clinic in the
    // title when there is more than one, so two clinics' "Follow-up" are told apart
    const clinics = new Set(options.map((o) => o.clinicId)).size;
    const title = (o: (typeof options)[number]) => (options.length < 3 && clinics > 1 ? `${o.typeName} (${o.clinicName})` : o.typeName);
    const rows = options.map((o, index) => option(booking.id, { step: 'type', index }, title(o), o.clinicName));
    await say(client, booking, texts.chooseType, [...rows, staffOption(booking)], texts.pickType, now);
  }

  async function confirm(client: Queryable, booking: ChatBookingRow, event: PatientMessageReceivedV1, now: Date): Promise<void> {
    const texts = bookingTextsFor(booking.language);
    const slot = booking.choices.slots?.[booking.choices.slot ?? -1];
    if (slot === undefined || booking.choices.typeId === undefined || event.waId === undefined) return;
    // the patient's number comes from this tap's own event (sealed for it): the flow never stores it
    const waId = await deps.sealer.openString(booking.tenant_id, event.waId, sealContext(TOPICS.patientMessageReceived, event.messageId));
    const typeId = booking.choices.typeId;
    try {
      const { row } = await inSavepoint(client, () =>
        appointments.create(
          client,
          booking.tenant_id,
          {
            id: randomUUID(),
            clinicianId: slot.clinicianId,
            typeId,
            startsAt: new Date(slot.startsAt),
            patient: { patientId: event.patientId === '' ? null : event.patientId, waId, language: booking.language, displayName: undefined, phoneNumberId: booking.phone_number_id },
            externalId: null,
            idempotencyKey: `chat:${booking.id}`,
            enforceHours: true,
          },
          'patient',
          now,
        ),
      );
      await appointments.audit(client, { patient: { patientId: row.patient_id } }, row, AUDIT_ACTIONS.book, now, { channel: 'chat' });
      await updateBooking(client, booking.tenant_id, booking.id, { step: 'booked', choices: { ...booking.choices, appointmentId: row.id }, at: now });
      const [clinician] = await findClinicians(client, booking.tenant_id, { clinicianIds: [row.clinician_id] });
      const what = (await typeNames(client, booking.tenant_id)).get(`${typeId}:${row.clinic_id}`);
      const when = formatWhen(row.starts_at, booking.language, clinician?.time_zone ?? 'UTC');
      await say(client, booking, texts.booked(what?.typeName ?? '', when, clinician?.display_name ?? ''), [staffOption(booking)], '', now);
    } catch (error) {
      // taken since it was offered (or the calendar changed meanwhile): offer what is free now
      if (!isDoubleBooking(error) && !isDomainError(error)) throw error;
      await offerSlots(client, booking, booking.choices, 'taken', now);
    }
  }

  /** A tap on one of the flow's lists or buttons. */
  async function onReference(client: Queryable, tenantId: string, event: PatientMessageReceivedV1, bookingId: string, action: BookingAction): Promise<void> {
    const now = clock();
    const booking = await getBooking(client, tenantId, bookingId);
    // an earlier flow (replaced by a new request) or another patient's forwarded list: nothing to do
    if (booking === undefined || booking.wa_id_hash !== event.waIdHash) return;
    if (booking.step === 'booked' || booking.step === 'staff') return;
    if (action.step === 'staff') {
      await updateBooking(client, tenantId, booking.id, { step: 'staff', choices: booking.choices, at: now });
      return;
    }
    const texts = bookingTextsFor(booking.language);
    if (now.getTime() > booking.expires_at.getTime()) {
      await updateBooking(client, tenantId, booking.id, { step: 'staff', choices: booking.choices, at: now });
      await say(client, booking, texts.expired, [staffOption(booking)], '', now);
      return;
    }
    switch (action.step) {
      case 'type': {
        // also from a later step: the patient went back to the first list
        const picked = booking.choices.options[action.index];
        if (picked === undefined) return;
        const { slots: _slots, slot: _slot, ...rest } = booking.choices;
        await offerSlots(client, booking, { ...rest, typeId: picked.typeId, clinicId: picked.clinicId }, 'fresh', now);
        return;
      }
      case 'slot': {
        if (booking.step !== 'slot' && booking.step !== 'confirm') return;
        const slot = booking.choices.slots?.[action.index];
        if (slot === undefined) return;
        const choices = { ...booking.choices, slot: action.index };
        await updateBooking(client, tenantId, booking.id, { step: 'confirm', choices, at: now });
        const [clinician] = await findClinicians(client, tenantId, { clinicianIds: [slot.clinicianId] });
        const what = (await typeNames(client, tenantId)).get(`${choices.typeId ?? ''}:${choices.clinicId ?? ''}`);
        const when = formatWhen(new Date(slot.startsAt), booking.language, clinician?.time_zone ?? 'UTC');
        const back = booking.choices.options.findIndex((o) => o.typeId === choices.typeId && o.clinicId === choices.clinicId);
        await say(
          client,
          booking,
          texts.confirm(what?.typeName ?? '', when, clinician?.display_name ?? ''),
          [
            option(booking.id, { step: 'confirm' }, texts.confirmButton),
            ...(back >= 0 ? [option(booking.id, { step: 'type', index: back }, texts.otherTimes)] : []),
            staffOption(booking),
          ],
          '',
          now,
        );
        return;
      }
      case 'confirm':
        if (booking.step !== 'confirm') return;
        await confirm(client, booking, event, now);
        return;
    }
  }

  return { onText, onReference };
}
