// Booking in chat through the real consumer: a patient scheduling has written to before (a
// reminder went out, so messaging's conversation is known) writes "I need an appointment", gets
// the types list, a slot list and a confirm button as SendInteractive calls (fake messaging), and
// the tap on "Book it" books the appointment. "Talk to the team" ends the flow on every step.
import { randomUUID } from 'node:crypto';
import { AppointmentState, MessagePurpose, type SendInteractiveRequest, TOPICS, WA_ID_HASH_PURPOSE, sealContext } from '@careline/contracts';
import { samplePatientMessageReceived } from '@careline/contracts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clinic, type Harness, createClinic, dayAt, eventually, frontDesk, patientTap, randomWaId, startHarness } from './int-test-support';

const HOUR = 3_600_000;
let h: Harness;
let clinic: Clinic;
let known = 0;

beforeAll(async () => {
  h = await startHarness();
  clinic = await createClinic(h, { clinicians: 2 });
});
afterAll(async () => {
  await h?.close();
});

/** A patient who already got a reminder (messaging gave scheduling the conversation then). */
async function knownPatient(): Promise<string> {
  h.setNow(new Date());
  const waId = randomWaId();
  // each on its own hour far ahead: out of the way of the slots offered in the next two weeks
  known += 1;
  const startsAt = dayAt(new Date(), 20, 8 + known);
  await h.client.book(
    { clinicianId: clinic.clinicianIds[1], appointmentTypeId: clinic.typeId, startsAt, patient: { patientId: '', waId, languageCode: 'en_US', displayName: '', phoneNumberId: '' } },
    frontDesk(clinic.tenantId),
  );
  h.setNow(new Date(startsAt.getTime() - 72 * HOUR + 1_000));
  await h.app.dispatcher.drain();
  while ((await h.app.sender.tick()) > 0);
  h.setNow(new Date());
  return waId;
}

async function patientWrites(waId: string, text: string) {
  const messageId = randomUUID();
  const context = sealContext(TOPICS.patientMessageReceived, messageId);
  await h.publishReply(
    samplePatientMessageReceived({
      tenantId: clinic.tenantId,
      messageId,
      waId: await h.sealer.seal(clinic.tenantId, waId, context),
      waIdHash: await h.sealer.blindIndex(clinic.tenantId, WA_ID_HASH_PURPOSE, waId),
      patientId: '',
      profileName: undefined,
      context: undefined,
      content: { $case: 'text', value: { body: await h.sealer.seal(clinic.tenantId, text, context) } },
    }),
  );
}

const tap = async (waId: string, option: { id: string }, kind: 'list' | 'button') =>
  h.publishReply(await patientTap(h.sealer, clinic.tenantId, waId, kind === 'list' ? { kind: 'list', rowId: option.id } : { kind: 'button', buttonId: option.id }));

/** The n-th booking-in-chat message to this patient (the sender runs by hand). */
async function chatMessage(waId: string, n: number): Promise<SendInteractiveRequest> {
  return eventually(async () => {
    await h.app.sender.tick();
    const mine = h.messaging.interactive.filter((call) => call.request.conversationId === h.messaging.conversationFor(waId) && call.request.options.some((o) => o.id.startsWith('book:')));
    return mine[n]?.request;
  });
}

async function flowOf(waId: string): Promise<{ step: string; appointment_id: string | null }> {
  const hash = await h.sealer.blindIndex(clinic.tenantId, WA_ID_HASH_PURPOSE, waId);
  const { rows } = await h.db.adminPool.query<{ step: string; appointment_id: string | null }>(
    "SELECT step, choices->>'appointmentId' AS appointment_id FROM scheduling.chat_bookings WHERE tenant_id = $1 AND wa_id_hash = $2",
    [clinic.tenantId, hash],
  );
  return rows[0] ?? { step: 'none', appointment_id: null };
}

describe('booking in chat', () => {
  it('books from "I need an appointment" through type, slot and confirm, and confirms to the patient', async () => {
    const waId = await knownPatient();
    await patientWrites(waId, 'I need an appointment');
    const types = await chatMessage(waId, 0);
    expect(types.purpose).toBe(MessagePurpose.MESSAGE_PURPOSE_CONFIRMATION);
    expect(types.body).toContain('What kind of appointment');
    // two types in one clinic and the path to a person: three reply buttons
    expect(types.options.map((o) => o.title)).toEqual(['Follow-up', 'Video follow-up', 'Talk to the team']);

    await tap(waId, types.options[0]!, 'button');
    const slots = await chatMessage(waId, 1);
    expect(slots.listButton).toBe('Choose a time');
    expect(slots.options).toHaveLength(10);
    expect(slots.options.at(-1)?.title).toBe('Talk to the team');

    await tap(waId, slots.options[1]!, 'list');
    const confirm = await chatMessage(waId, 2);
    expect(confirm.body).toContain('Shall we book it?');
    expect(confirm.options.map((o) => o.title)).toEqual(['Book it', 'Other times', 'Talk to the team']);
    // nothing is booked before the patient confirms
    expect((await flowOf(waId)).appointment_id).toBeNull();

    await tap(waId, confirm.options[0]!, 'button');
    const done = await chatMessage(waId, 3);
    expect(done.body).toContain('Booked: Follow-up with Dr Example');
    const flow = await flowOf(waId);
    expect(flow.step).toBe('booked');
    const { appointment } = await h.client.getAppointment({ appointmentId: flow.appointment_id! }, frontDesk(clinic.tenantId));
    expect(appointment?.state).toBe(AppointmentState.APPOINTMENT_STATE_BOOKED);
    expect(appointment?.appointmentTypeId).toBe(clinic.typeId);
    expect(appointment?.patient?.waId).toBe(waId);
    const { rows } = await h.db.adminPool.query<{ slots: { startsAt: string }[] }>(
      "SELECT choices->'slots' AS slots FROM scheduling.chat_bookings WHERE choices->>'appointmentId' = $1",
      [flow.appointment_id],
    );
    expect(appointment?.startsAt?.toISOString()).toBe(new Date(rows[0]!.slots[1]!.startsAt).toISOString());

    // a second tap on "Book it" books nothing more
    await tap(waId, confirm.options[0]!, 'button');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await h.app.sender.tick();
    const { rows: count } = await h.db.adminPool.query<{ n: number }>('SELECT count(*)::int AS n FROM scheduling.appointments WHERE idempotency_key LIKE $1', ['chat:%']);
    expect(count[0]?.n).toBe(1);
  });

  it('answers in Spanish to "quiero una cita", and "Talk to the team" ends the flow', async () => {
    const waId = await knownPatient();
    await patientWrites(waId, '¿Quiero una cita?');
    const types = await chatMessage(waId, 0);
    expect(types.body).toContain('¿Qué tipo de cita necesita?');
    const staff = types.options.at(-1)!;
    expect(staff.title).toBe('Hablar con el equipo');
    await tap(waId, staff, 'list');
    await eventually(async () => ((await flowOf(waId)).step === 'staff' ? true : undefined));
    // a later tap on the old list does nothing: staff have the conversation
    await tap(waId, types.options[0]!, 'list');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await h.app.sender.tick();
    const mine = h.messaging.interactive.filter((call) => call.request.conversationId === h.messaging.conversationFor(waId));
    expect(mine.filter((call) => call.request.options.some((o) => o.id.startsWith('book:')))).toHaveLength(1);
  });

  it('ignores ordinary messages and another patient tapping a forwarded list', async () => {
    const waId = await knownPatient();
    await patientWrites(waId, 'can I book for my mother next week?');
    await patientWrites(waId, 'book');
    const types = await chatMessage(waId, 0);
    const stranger = await knownPatient();
    await tap(stranger, types.options[0]!, 'list');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await h.app.sender.tick();
    expect(h.messaging.interactive.filter((call) => call.request.conversationId === h.messaging.conversationFor(stranger))).toHaveLength(0);
    expect((await flowOf(waId)).step).toBe('type');
    // only "book" started a flow: one message so far
    expect(h.messaging.interactive.filter((call) => call.request.conversationId === h.messaging.conversationFor(waId))).toHaveLength(1);
  });

  it('leaves a request from a patient scheduling never wrote to for staff (no conversation known)', async () => {
    const waId = randomWaId();
    await patientWrites(waId, 'appointment');
    await eventually(() => Promise.resolve(h.logs.records().some((line) => line['msg'] === 'booking request from a patient with no known conversation; left to staff') ? true : undefined));
    expect((await flowOf(waId)).step).toBe('none');
    // the request's words never reach the log
    expect(h.logs.text()).not.toContain('appointment"');
  });
});
