// Patients' replies through the real consumer: a reminder goes out (fake MessagingService), the
// patient taps Confirm / Cancel / Reschedule on it (an event on patient.message.received.v1 as
// ingest emits it), the appointment changes once, and the answer goes back with SendInteractive
// into the reminder's conversation. Stale taps (appointment moved or cancelled) get a correct
// answer and change nothing.
import { AppointmentState, MessagePurpose, type SendInteractiveRequest } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clinic, type Harness, createClinic, dayAt, eventually, frontDesk, patientTap, randomWaId, startHarness } from './int-test-support';

const HOUR = 3_600_000;
let h: Harness;
let clinic: Clinic;

beforeAll(async () => {
  h = await startHarness();
  clinic = await createClinic(h, { clinicians: 2 });
});
afterAll(async () => {
  await h?.close();
});

/** Books for a new patient and lets the 72 h reminder go out; returns the appointment and its buttons. */
async function bookAndRemind(startsAt: Date) {
  h.setNow(new Date());
  const waId = randomWaId();
  const { appointment } = await h.client.book(
    { clinicianId: clinic.clinicianIds[0], appointmentTypeId: clinic.typeId, startsAt, patient: { patientId: '', waId, languageCode: 'en_US', displayName: '', phoneNumberId: '' } },
    frontDesk(clinic.tenantId),
  );
  h.setNow(new Date(startsAt.getTime() - 72 * HOUR + 1_000));
  await h.app.dispatcher.drain();
  while ((await h.app.sender.tick()) > 0);
  const reminder = h.messaging.templates.find((call) => call.request.buttons[0]?.value.includes(appointment!.id));
  if (reminder === undefined) throw new Error('no reminder went out');
  const [confirm, reschedule, cancel] = reminder.request.buttons.map((button) => button.value) as [string, string, string];
  return { appointment: appointment!, waId, confirm, reschedule, cancel };
}

/** Waits for the answer scheduling sends (the sender runs by hand: the clock loops are off). */
async function nextAnswer(appointmentId: string, seen: number): Promise<SendInteractiveRequest> {
  return eventually(async () => {
    await h.app.sender.tick();
    const mine = await answersFor(appointmentId);
    return mine.length > seen ? h.messaging.interactive.find((call) => call.request.idempotencyKey === mine[seen])?.request : undefined;
  });
}

async function answersFor(appointmentId: string): Promise<string[]> {
  const { rows } = await h.db.adminPool.query<{ id: string }>('SELECT id FROM scheduling.replies WHERE appointment_id = $1 ORDER BY created_at, id', [appointmentId]);
  return rows.map((row) => row.id);
}

async function stateOf(appointmentId: string): Promise<AppointmentState | undefined> {
  return (await h.client.getAppointment({ appointmentId }, frontDesk(clinic.tenantId))).appointment?.state;
}

describe('replies to reminders', () => {
  it('confirms on the Confirm button and answers in the reminder conversation', async () => {
    const { appointment, waId, confirm } = await bookAndRemind(dayAt(new Date(), 5, 10));
    await h.publishReply(await patientTap(h.sealer, clinic.tenantId, waId, { kind: 'template', payload: confirm }));
    const answer = await nextAnswer(appointment.id, 0);
    expect(await stateOf(appointment.id)).toBe(AppointmentState.APPOINTMENT_STATE_CONFIRMED);
    expect(answer.conversationId).toBe(h.messaging.conversationFor(waId));
    expect(answer.purpose).toBe(MessagePurpose.MESSAGE_PURPOSE_CONFIRMATION);
    expect(answer.body).toContain('is confirmed');
    expect(answer.options.map((option) => option.title)).toEqual(['Reschedule', 'Cancel']);
  });

  it('cancels on the Cancel button: the pending reminders never go out, a later tap gets a stale answer', async () => {
    const startsAt = dayAt(new Date(), 5, 11);
    const { appointment, waId, cancel, confirm } = await bookAndRemind(startsAt);
    await h.publishReply(await patientTap(h.sealer, clinic.tenantId, waId, { kind: 'template', payload: cancel }));
    const answer = await nextAnswer(appointment.id, 0);
    expect(answer.body).toContain('is cancelled');
    expect(await stateOf(appointment.id)).toBe(AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_PATIENT);
    const before = h.messaging.templates.length;
    h.setNow(new Date(startsAt.getTime() - HOUR));
    await h.app.dispatcher.drain();
    while ((await h.app.sender.tick()) > 0);
    expect(h.messaging.templates.slice(before).filter((call) => call.request.buttons[0]?.value.includes(appointment.id))).toEqual([]);
    await h.publishReply(await patientTap(h.sealer, clinic.tenantId, waId, { kind: 'template', payload: confirm }));
    const stale = await nextAnswer(appointment.id, 1);
    expect(stale.body).toContain('already been cancelled');
    expect(await stateOf(appointment.id)).toBe(AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_PATIENT);
  });

  it('offers free slots on Reschedule, books the row picked, and answers an old reminder as stale', async () => {
    const { appointment, waId, reschedule, confirm } = await bookAndRemind(dayAt(new Date(), 6, 9));
    await h.publishReply(await patientTap(h.sealer, clinic.tenantId, waId, { kind: 'template', payload: reschedule }));
    const offer = await nextAnswer(appointment.id, 0);
    const slots = offer.options.filter((option) => option.id.startsWith('slot:'));
    expect(slots.length).toBe(9);
    expect(offer.options.at(-1)?.title).toBe('Talk to the team');
    expect(offer.listButton).toBe('Choose a time');
    const { rows } = await h.db.adminPool.query<{ slots: { clinicianId: string; startsAt: string }[] }>('SELECT slots FROM scheduling.slot_offers WHERE appointment_id = $1', [appointment.id]);
    const picked = rows[0]!.slots[2]!;

    await h.publishReply(await patientTap(h.sealer, clinic.tenantId, waId, { kind: 'list', rowId: slots[2]!.id }));
    const done = await nextAnswer(appointment.id, 1);
    expect(done.body).toContain('is now on');
    const { appointment: moved } = await h.client.getAppointment({ appointmentId: appointment.id }, frontDesk(clinic.tenantId));
    expect(moved?.startsAt?.toISOString()).toBe(new Date(picked.startsAt).toISOString());
    expect(moved?.clinicianId).toBe(picked.clinicianId);
    expect(moved?.state).toBe(AppointmentState.APPOINTMENT_STATE_CONFIRMED);

    // the first reminder's Confirm is about the old time: a polite, correct answer, no change
    await h.publishReply(await patientTap(h.sealer, clinic.tenantId, waId, { kind: 'template', payload: confirm }));
    const stale = await nextAnswer(appointment.id, 2);
    expect(stale.body).toContain('has been moved to');
    // …with buttons for the new time that work
    expect(stale.options.map((option) => option.title)).toEqual(['Confirm', 'Reschedule', 'Cancel']);
  });

  it('ignores a button of someone else’s appointment (a forwarded message)', async () => {
    const { appointment, confirm } = await bookAndRemind(dayAt(new Date(), 6, 14));
    const processed = async (): Promise<number> =>
      (await h.db.adminPool.query<{ n: number }>('SELECT count(*)::int AS n FROM scheduling.processed_events')).rows[0]?.n ?? 0;
    const before = await processed();
    await h.publishReply(await patientTap(h.sealer, clinic.tenantId, randomWaId(), { kind: 'template', payload: confirm }));
    // consumed (its dedupe row committed) and yet nothing happened
    await eventually(async () => ((await processed()) > before ? true : undefined));
    expect(await answersFor(appointment.id)).toEqual([]);
    expect(await stateOf(appointment.id)).toBe(AppointmentState.APPOINTMENT_STATE_BOOKED);
  });
});
