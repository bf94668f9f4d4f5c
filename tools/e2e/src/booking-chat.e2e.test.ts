// Booking in chat through every real process, Meta played by the simulator. The patient writes
// "I need an appointment" on their phone (gateway → ingest → patient.message.received.v1 →
// scheduling), gets the appointment types, taps one, gets the next free slots, taps one, taps
// "Book it", and the appointment exists (GetAppointment over gRPC) and the confirmation is on the
// phone. Every step's message goes through messaging's SendInteractive.
//
// messaging's SendInteractive needs a conversation id, which scheduling learns from messaging when
// it first writes to the patient (apps/scheduling/README.md, "Booking in chat"): so the patient
// here first gets a reminder of an earlier appointment (one policy stage, a minute before a start
// 75 s away), then asks for a new appointment.
import { type ClientUnaryCall, type Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  AppointmentMode,
  AppointmentState,
  type BookRequest,
  type BookResponse,
  type ListAppointmentsRequest,
  type ListAppointmentsResponse,
  SchedulingServiceClient,
  type SetReminderPolicyRequest,
  type SetReminderPolicyResponse,
  type SetWorkingHoursRequest,
  type SetWorkingHoursResponse,
  type UpsertAppointmentTypeRequest,
  type UpsertAppointmentTypeResponse,
  type UpsertClinicRequest,
  type UpsertClinicResponse,
  type UpsertClinicianRequest,
  type UpsertClinicianResponse,
  type UpsertSiteRequest,
  type UpsertSiteResponse,
} from '@careline/contracts';
import { metadataForCaller } from '@careline/runtime';
import { type Stack, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('booking-chat', { apps: ['wa-simulator', 'gateway', 'ingest', 'messaging', 'scheduling'] });

type Unary<Req, Res> = (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void) => ClientUnaryCall;
const unary =
  <Req, Res>(call: Unary<Req, Res>) =>
  (request: Req, metadata: Metadata): Promise<Res> =>
    new Promise((resolve, reject) => call(request, metadata, (error, response) => (error ? reject(error) : resolve(response))));

const InboxEntry = z.looseObject({ id: z.string(), type: z.string() });
type Entry = z.infer<typeof InboxEntry>;

async function inbox(s: Stack, waId: string): Promise<Entry[]> {
  const response = await requestJson('GET', `${s.urls.simulator}/_sim/patients/${waId}/inbox`);
  if (response.status === 404) return [];
  return z.object({ data: z.array(InboxEntry) }).parse(response.body).data;
}

/** The booking-chat references an interactive message carries (row and button ids), in order. */
function references(entry: Entry): string[] {
  return JSON.stringify(entry).match(/book:[0-9a-f-]{36}:(?:t[0-9]|s[0-9]|confirm|staff)/g) ?? [];
}

describe('booking in chat through every app', () => {
  it('books from "I need an appointment" to a confirmed booking on the patient’s phone', async () => {
    const s = stack();
    const target = s.urls.schedulingGrpc;
    if (target === undefined) throw new Error('the stack has no scheduling');
    const client = new SchedulingServiceClient(target, credentials.createInsecure());
    try {
      const md = metadataForCaller({ tenantId: s.seed.tenant.id, actor: 'user:e2e-front-desk', roles: ['front_desk'] });
      const waId = randomWaId();
      expect((await requestJson('POST', `${s.urls.simulator}/_sim/patients`, { body: { wa_id: waId, profile_name: 'Ana' } })).status).toBe(201);
      await unary<SetReminderPolicyRequest, SetReminderPolicyResponse>((r, m, cb) => client.setReminderPolicy(r, m, cb))(
        {
          policy: {
            stages: [{ name: '1m', minutesBefore: 1, templates: { en_US: 'appointment_reminder', en: 'appointment_reminder', es: 'appointment_reminder' } }],
            quietStart: '',
            quietEnd: '',
            minLeadMinutes: 0,
            noShowAfterMinutes: 60,
            videoLinkTemplate: 'https://video.example/{appointment_id}',
            defaultLanguage: 'en_US',
          },
        },
        metadataForCaller({ tenantId: s.seed.tenant.id, actor: 'user:e2e-admin', roles: ['admin'] }),
      );
      const site = await unary<UpsertSiteRequest, UpsertSiteResponse>((r, m, cb) => client.upsertSite(r, m, cb))({ site: { id: '', name: 'Central', timeZone: 'UTC' } }, md);
      const clinic = await unary<UpsertClinicRequest, UpsertClinicResponse>((r, m, cb) => client.upsertClinic(r, m, cb))(
        { clinic: { id: '', siteId: site.site!.id, name: 'Cardiology' } },
        md,
      );
      const clinician = await unary<UpsertClinicianRequest, UpsertClinicianResponse>((r, m, cb) => client.upsertClinician(r, m, cb))(
        { clinician: { id: '', clinicId: clinic.clinic!.id, displayName: 'Dr Ruiz' } },
        md,
      );
      // open every day, all day: slots exist whenever the test runs
      await unary<SetWorkingHoursRequest, SetWorkingHoursResponse>((r, m, cb) => client.setWorkingHours(r, m, cb))(
        { clinicianId: clinician.clinician!.id, hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startTime: '00:00', endTime: '23:30' })), exceptions: [] },
        md,
      );
      const type = await unary<UpsertAppointmentTypeRequest, UpsertAppointmentTypeResponse>((r, m, cb) => client.upsertAppointmentType(r, m, cb))(
        { appointmentType: { id: '', name: 'Follow-up', mode: AppointmentMode.APPOINTMENT_MODE_IN_PERSON, durationMinutes: 30 } },
        md,
      );

      // an earlier appointment whose reminder reaches the phone (scheduling learns the conversation)
      const first = new Date(Math.ceil((Date.now() + 75_000) / 60_000) * 60_000);
      const earlier = await unary<BookRequest, BookResponse>((r, m, cb) => client.book(r, m, cb))(
        {
          clinicianId: clinician.clinician!.id,
          appointmentTypeId: type.appointmentType!.id,
          startsAt: first,
          patient: { patientId: '', waId, languageCode: 'en_US', displayName: 'Ana', phoneNumberId: '' },
          idempotencyKey: '',
        },
        md,
      );
      await waitFor(async () => (await inbox(s, waId)).find((entry) => entry.type === 'template' && JSON.stringify(entry).includes(earlier.appointment!.id)), {
        message: 'the earlier appointment’s reminder on the phone',
        timeoutMs: 90_000,
        intervalMs: 500,
      });

      const send = async (body: Record<string, unknown>) => {
        const response = await requestJson('POST', `${s.urls.simulator}/_sim/patients/${waId}/messages`, { body: { phone_number_id: s.seed.whatsapp.phoneNumberId, ...body } });
        expect(response.status).toBeLessThan(300);
      };
      const nextChat = (seen: number, what: string) =>
        waitFor(async () => (await inbox(s, waId)).filter((entry) => entry.type === 'interactive' && references(entry).length > 0)[seen], {
          message: what,
          timeoutMs: 30_000,
          intervalMs: 300,
        });
      const tap = (entry: Entry, id: string) =>
        send({ type: 'interactive', interactive: { type: JSON.stringify(entry).includes('"list"') ? 'list_reply' : 'button_reply', id }, context: { message_id: entry.id } });

      await send({ type: 'text', text: 'I need an appointment' });
      const types = await nextChat(0, 'the appointment types on the phone');
      expect(JSON.stringify(types)).toContain('Follow-up');
      const typeRefs = references(types);
      expect(typeRefs.at(-1)).toMatch(/:staff$/);

      await tap(types, typeRefs[0]!);
      const slots = await nextChat(1, 'the free slots on the phone');
      const slotRefs = references(slots);
      expect(slotRefs.filter((ref) => /:s[0-9]$/.test(ref)).length).toBeGreaterThan(0);
      expect(slotRefs.at(-1)).toMatch(/:staff$/);

      await tap(slots, slotRefs[0]!);
      const confirm = await nextChat(2, 'the confirm button on the phone');
      expect(JSON.stringify(confirm)).toContain('Shall we book it?');
      await tap(confirm, references(confirm).find((ref) => ref.endsWith(':confirm'))!);

      const done = await waitFor(async () => (await inbox(s, waId)).find((entry) => entry.type === 'interactive' && JSON.stringify(entry).includes('Booked: Follow-up')), {
        message: 'the booking confirmation on the phone',
        timeoutMs: 30_000,
        intervalMs: 300,
      });
      expect(JSON.stringify(done)).toContain('Dr Ruiz');

      const listed = await unary<ListAppointmentsRequest, ListAppointmentsResponse>((r, m, cb) => client.listAppointments(r, m, cb))(
        { clinicId: '', clinicianId: clinician.clinician!.id, from: new Date(Date.now() + 30 * 60_000), to: new Date(Date.now() + 15 * 86_400_000), limit: 0 },
        md,
      );
      const booked = listed.appointments.filter((a) => a.id !== earlier.appointment!.id);
      expect(booked).toHaveLength(1);
      expect(booked[0]?.state).toBe(AppointmentState.APPOINTMENT_STATE_BOOKED);
      expect(booked[0]?.patient?.waId).toBe(waId);
      expect(booked[0]?.appointmentTypeId).toBe(type.appointmentType!.id);
    } finally {
      client.close();
    }
  });
});
