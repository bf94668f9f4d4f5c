// The opaque references scheduling puts on buttons and list rows. They name ids and an action,
// never patient data, and come back verbatim in the patient's reply (button payload, row id).
import { z } from 'zod';

// `staff`: the patient asks for a person; scheduling changes nothing (messaging's inbox shows it).
export const REPLY_ACTIONS = ['confirm', 'cancel', 'reschedule', 'staff'] as const;
export type ReplyAction = (typeof REPLY_ACTIONS)[number];

/** `sourceId`: the reminder or the earlier answer that carried the button (for staleness). */
export type Reference =
  | { kind: 'appointment'; appointmentId: string; action: ReplyAction; sourceId: string }
  | { kind: 'slot'; offerId: string; index: number }
  /** booking in chat: a row of the flow's current list (`type` / `slot`), its confirm button, or a person */
  | { kind: 'booking'; bookingId: string; action: BookingAction };

export type BookingAction = { step: 'type' | 'slot'; index: number } | { step: 'confirm' } | { step: 'staff' };

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const APPOINTMENT = new RegExp(`^appt:(${UUID}):(confirm|cancel|reschedule|staff):(${UUID})$`);
const SLOT = new RegExp(`^slot:(${UUID}):([0-9])$`);
const BOOKING = new RegExp(`^book:(${UUID}):(?:(t|s)([0-9])|(confirm|staff))$`);
const action = z.enum(REPLY_ACTIONS);

/** `appt:<appointment-id>:<action>:<reminder-or-answer-id>` */
export function appointmentReference(appointmentId: string, act: ReplyAction, sourceId: string): string {
  return `appt:${appointmentId}:${act}:${sourceId}`;
}

/** `slot:<offer-id>:<n>` (n 0–9: a list has at most 10 rows) */
export function slotReference(offerId: string, index: number): string {
  return `slot:${offerId}:${index}`;
}

/** `book:<flow-id>:t<n>|s<n>|confirm|staff` (type row, slot row, confirm button, a person) */
export function bookingReference(bookingId: string, act: BookingAction): string {
  switch (act.step) {
    case 'type':
      return `book:${bookingId}:t${act.index}`;
    case 'slot':
      return `book:${bookingId}:s${act.index}`;
    default:
      return `book:${bookingId}:${act.step}`;
  }
}

/** The reference in a reply, or undefined when it is not one of scheduling's. */
export function parseReference(value: string): Reference | undefined {
  const appointment = APPOINTMENT.exec(value);
  if (appointment !== null) {
    const parsed = action.safeParse(appointment[2]);
    if (!parsed.success) return undefined;
    return { kind: 'appointment', appointmentId: appointment[1]!, action: parsed.data, sourceId: appointment[3]! };
  }
  const slot = SLOT.exec(value);
  if (slot !== null) return { kind: 'slot', offerId: slot[1]!, index: Number(slot[2]) };
  const booking = BOOKING.exec(value);
  if (booking !== null) {
    const bookingId = booking[1]!;
    if (booking[4] === 'confirm' || booking[4] === 'staff') return { kind: 'booking', bookingId, action: { step: booking[4] } };
    return { kind: 'booking', bookingId, action: { step: booking[2] === 't' ? 'type' : 'slot', index: Number(booking[3]) } };
  }
  return undefined;
}
