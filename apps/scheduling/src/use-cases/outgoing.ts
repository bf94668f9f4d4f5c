// What goes to messaging for a send request: a reminder template (SendTemplate) or an answer to
// a patient's reply (SendInteractive). Built at send time from the current rows, inside the
// sender's transaction (tenant set), so the text always shows the appointment as it is now.
import {
  MessagePurpose,
  type InteractiveOption,
  type SendInteractiveRequest,
  type SendTemplateRequest,
} from '@careline/contracts';
import { type Queryable } from '@careline/db';
import { type AppointmentRow, getAppointment } from '../db/appointments';
import { type ClinicianPlace, findClinicians } from '../db/calendar';
import { getChatMessage } from '../db/booking-chat';
import { getReminder } from '../db/reminders';
import { type ReplyRow, getOffer, getReply, offeredSlot } from '../db/replies';
import { templateFor, videoLink } from '../domain/policy';
import { appointmentReference, slotReference } from '../domain/references';
import { atRestContext } from '../domain/sealing';
import { isActive } from '../domain/states';
import { formatSlotTitle, formatWhen, textsFor } from '../domain/texts';
import { type UseCaseDeps } from './deps';
import { loadPolicy } from './plan';

export type Outgoing =
  | { kind: 'template'; request: SendTemplateRequest }
  | { kind: 'interactive'; request: SendInteractiveRequest }
  /** nothing to send any more (the reminder was cancelled meanwhile, the row is gone) */
  | { kind: 'obsolete' };

/** {{1}} when the hospital gave no name: a greeting that reads well without one. */
const NO_NAME: Record<string, string> = { es: 'paciente', en: 'there' };

async function context(client: Queryable, tenantId: string, appointmentId: string): Promise<{ appointment: AppointmentRow; clinician: ClinicianPlace } | undefined> {
  const appointment = await getAppointment(client, tenantId, appointmentId);
  if (appointment === undefined) return undefined;
  const [clinician] = await findClinicians(client, tenantId, { clinicianIds: [appointment.clinician_id] });
  return clinician === undefined ? undefined : { appointment, clinician };
}

export async function reminderMessage(deps: Pick<UseCaseDeps, 'atRest'>, client: Queryable, tenantId: string, reminderId: string): Promise<Outgoing> {
  const reminder = await getReminder(client, tenantId, reminderId);
  if (reminder === undefined || reminder.state !== 'pending') return { kind: 'obsolete' };
  const found = await context(client, tenantId, reminder.appointment_id);
  if (found === undefined || !isActive(found.appointment.state)) return { kind: 'obsolete' };
  const { appointment, clinician } = found;
  const policy = await loadPolicy(client, tenantId);
  const template = templateFor(policy, reminder.stage, appointment.language);
  // a stage removed from the policy since planning: use the first stage's templates
  const chosen = template ?? templateFor(policy, policy.stages[0]?.name ?? '', appointment.language) ?? { name: 'appointment_reminder', language: appointment.language };
  const name =
    appointment.display_name_sealed === null
      ? (NO_NAME[chosen.language.split('_')[0] ?? 'en'] ?? 'there')
      : await deps.atRest.openString(tenantId, appointment.display_name_sealed, atRestContext.appointmentDisplayName(appointment.id));
  const waId = await deps.atRest.openString(tenantId, appointment.wa_id_sealed, atRestContext.appointmentWaId(appointment.id));
  // WhatsApp has no video visits: a video appointment's reminder carries the join link with the
  // clinician (the demo template has three placeholders: name, with whom, when).
  const link = appointment.mode === 'video' ? videoLink(policy, appointment.id) : '';
  const withWhom = link === '' ? `${clinician.display_name} (${clinician.clinic_name})` : `${clinician.display_name} (${link})`;
  return {
    kind: 'template',
    request: {
      recipient: { $case: 'patient', value: { waId, phoneNumberId: appointment.phone_number_id } },
      templateName: chosen.name,
      languageCode: chosen.language,
      parameters: [
        { name: '1', text: name },
        { name: '2', text: withWhom },
        { name: '3', text: formatWhen(appointment.starts_at, chosen.language, clinician.time_zone) },
      ],
      buttons: [
        { index: 0, value: appointmentReference(appointment.id, 'confirm', reminder.id) },
        { index: 1, value: appointmentReference(appointment.id, 'reschedule', reminder.id) },
        { index: 2, value: appointmentReference(appointment.id, 'cancel', reminder.id) },
      ],
      purpose: MessagePurpose.MESSAGE_PURPOSE_REMINDER,
      idempotencyKey: reminder.id,
    },
  };
}

export async function replyMessage(client: Queryable, tenantId: string, replyId: string): Promise<Outgoing> {
  const reply = await getReply(client, tenantId, replyId);
  if (reply === undefined) return { kind: 'obsolete' };
  const found = await context(client, tenantId, reply.appointment_id);
  if (found === undefined) return { kind: 'obsolete' };
  const { appointment, clinician } = found;
  const texts = textsFor(appointment.language);
  const when = formatWhen(appointment.starts_at, appointment.language, clinician.time_zone);
  const ref = (action: 'confirm' | 'cancel' | 'reschedule' | 'staff'): string => appointmentReference(appointment.id, action, reply.id);
  const staff: InteractiveOption = { id: ref('staff'), title: texts.staff, description: '' };
  const button = (action: 'confirm' | 'cancel' | 'reschedule', title: string): InteractiveOption => ({ id: ref(action), title, description: '' });
  const base = (body: string, options: InteractiveOption[], listButton = ''): Outgoing => ({
    kind: 'interactive',
    request: {
      conversationId: reply.conversation_id,
      body,
      footer: '',
      options,
      listButton,
      purpose: MessagePurpose.MESSAGE_PURPOSE_CONFIRMATION,
      idempotencyKey: reply.id,
    },
  });
  switch (reply.kind) {
    case 'confirmed':
      return base(texts.confirmed(when, clinician.display_name), [button('reschedule', texts.reschedule), button('cancel', texts.cancel)]);
    case 'rescheduled':
      return base(texts.rescheduled(when, clinician.display_name), [button('reschedule', texts.reschedule), button('cancel', texts.cancel)]);
    case 'cancelled':
      return base(texts.cancelled(when, clinician.display_name), [staff]);
    case 'no_slots':
      return base(texts.noSlots, [staff]);
    case 'stale_cancelled':
      return base(texts.staleCancelled, [staff]);
    case 'stale_moved':
      return base(texts.staleMoved(when), [button('confirm', texts.confirm), button('reschedule', texts.reschedule), button('cancel', texts.cancel)]);
    case 'slot_offer':
    case 'slot_taken':
      return offerMessage(client, tenantId, reply, appointment, clinician, staff, base);
  }
}

async function offerMessage(
  client: Queryable,
  tenantId: string,
  reply: ReplyRow,
  appointment: AppointmentRow,
  clinician: ClinicianPlace,
  staff: InteractiveOption,
  base: (body: string, options: InteractiveOption[], listButton?: string) => Outgoing,
): Promise<Outgoing> {
  const texts = textsFor(appointment.language);
  const offer = reply.offer_id === null ? undefined : await getOffer(client, tenantId, reply.offer_id);
  if (offer === undefined) return { kind: 'obsolete' };
  const names = new Map((await findClinicians(client, tenantId, { clinicianIds: offer.slots.map((s) => s.clinicianId) })).map((c) => [c.id, c.display_name]));
  const rows: InteractiveOption[] = offer.slots.map((slot, index) => {
    const parsed = offeredSlot.parse(slot);
    return {
      id: slotReference(offer.id, index),
      title: formatSlotTitle(new Date(parsed.startsAt), appointment.language, clinician.time_zone),
      description: (names.get(parsed.clinicianId) ?? '').slice(0, 72),
    };
  });
  // a path to a person on every step; three or fewer options become reply buttons (20 characters)
  rows.push(staff);
  const options = rows.length <= 3 ? rows.map((row) => ({ ...row, title: row.title.slice(0, 20), description: '' })) : rows;
  const body = reply.kind === 'slot_taken' ? texts.slotTaken : texts.slotOffer(clinician.display_name);
  return base(body, options, texts.pickSlot);
}

/** A booking-in-chat message, as rendered when the flow decided it. */
export async function chatMessage(client: Queryable, tenantId: string, id: string): Promise<Outgoing> {
  const message = await getChatMessage(client, tenantId, id);
  if (message === undefined) return { kind: 'obsolete' };
  return {
    kind: 'interactive',
    request: {
      conversationId: message.conversation_id,
      body: message.body,
      footer: '',
      options: message.options,
      listButton: message.list_button,
      purpose: MessagePurpose.MESSAGE_PURPOSE_CONFIRMATION,
      idempotencyKey: message.id,
    },
  };
}
