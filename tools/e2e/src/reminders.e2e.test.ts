// The reminder loop through every real process, Meta played by the simulator: staff book an
// appointment (SchedulingService), scheduling's clock fires the reminder at its time and hands it
// to messaging (SendTemplate, purpose REMINDER), the gateway sends the simulator's
// `appointment_reminder` template with Confirm / Reschedule / Cancel quick replies carrying
// scheduling's opaque references; the patient taps Confirm on their phone, the reply comes back
// through gateway → ingest → patient.message.received.v1 → scheduling, the appointment is
// confirmed and the patient gets the confirmation (SendInteractive) in the same chat.
//
// The apps run on the real clock, so the policy here has one stage due a minute before the start
// and the appointment starts 75 s after booking (no quiet hours, no minimum lead).
import { type ClientUnaryCall, type Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  AppointmentMode,
  AppointmentState,
  type BookRequest,
  type BookResponse,
  type GetAppointmentRequest,
  type GetAppointmentResponse,
  SchedulingServiceClient,
  type SetReminderPolicyRequest,
  type SetReminderPolicyResponse,
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

// only what the loop crosses (no api, no audit: scheduling is called over gRPC directly)
const stack = useStack('reminders', { apps: ['wa-simulator', 'gateway', 'ingest', 'messaging', 'scheduling'] });

type Unary<Req, Res> = (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void) => ClientUnaryCall;
const unary =
  <Req, Res>(call: Unary<Req, Res>) =>
  (request: Req, metadata: Metadata): Promise<Res> =>
    new Promise((resolve, reject) => call(request, metadata, (error, response) => (error ? reject(error) : resolve(response))));

const InboxEntry = z.looseObject({ id: z.string(), type: z.string() });

async function inbox(s: Stack, waId: string): Promise<z.infer<typeof InboxEntry>[]> {
  const response = await requestJson('GET', `${s.urls.simulator}/_sim/patients/${waId}/inbox`);
  if (response.status === 404) return [];
  return z.object({ data: z.array(InboxEntry) }).parse(response.body).data;
}

describe('appointment reminders through every app', () => {
  it('books, reminds on the patient’s phone at the stage’s time, and confirms on the Confirm tap', async () => {
    const s = stack();
    const target = s.urls.schedulingGrpc;
    if (target === undefined) throw new Error('the stack has no scheduling');
    const client = new SchedulingServiceClient(target, credentials.createInsecure());
    try {
      const md = metadataForCaller({ tenantId: s.seed.tenant.id, actor: 'user:e2e-front-desk', roles: ['front_desk'] });
      const waId = randomWaId();
      const created = await requestJson('POST', `${s.urls.simulator}/_sim/patients`, { body: { wa_id: waId, profile_name: 'Ana' } });
      expect(created.status).toBe(201);

      await unary<SetReminderPolicyRequest, SetReminderPolicyResponse>((r, m, cb) => client.setReminderPolicy(r, m, cb))(
        {
          policy: {
            stages: [{ name: '1m', minutesBefore: 1, templates: { en_US: 'appointment_reminder', es: 'appointment_reminder' } }],
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
      const site = await unary<UpsertSiteRequest, UpsertSiteResponse>((r, m, cb) => client.upsertSite(r, m, cb))(
        { site: { id: '', name: 'Central', timeZone: 'Europe/Madrid' } },
        md,
      );
      const clinic = await unary<UpsertClinicRequest, UpsertClinicResponse>((r, m, cb) => client.upsertClinic(r, m, cb))(
        { clinic: { id: '', siteId: site.site!.id, name: 'Cardiology' } },
        md,
      );
      // no working hours set: bookable at any time (calendars kept elsewhere)
      const clinician = await unary<UpsertClinicianRequest, UpsertClinicianResponse>((r, m, cb) => client.upsertClinician(r, m, cb))(
        { clinician: { id: '', clinicId: clinic.clinic!.id, displayName: 'Dr Ruiz' } },
        md,
      );
      const type = await unary<UpsertAppointmentTypeRequest, UpsertAppointmentTypeResponse>((r, m, cb) => client.upsertAppointmentType(r, m, cb))(
        { appointmentType: { id: '', name: 'Follow-up', mode: AppointmentMode.APPOINTMENT_MODE_IN_PERSON, durationMinutes: 30 } },
        md,
      );
      const startsAt = new Date(Math.ceil((Date.now() + 75_000) / 1000) * 1000);
      const booked = await unary<BookRequest, BookResponse>((r, m, cb) => client.book(r, m, cb))(
        {
          clinicianId: clinician.clinician!.id,
          appointmentTypeId: type.appointmentType!.id,
          startsAt,
          patient: { patientId: '', waId, languageCode: 'en_US', displayName: 'Ana', phoneNumberId: '' },
          idempotencyKey: '',
        },
        md,
      );
      const appointmentId = booked.appointment!.id;

      // the reminder reaches the phone (due 60 s before the start, i.e. ~15 s from now)
      const reminder = await waitFor(
        async () => (await inbox(s, waId)).find((entry) => entry.type === 'template' && JSON.stringify(entry).includes(`appt:${appointmentId}:confirm:`)),
        { message: 'the reminder on the patient’s phone', timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(JSON.stringify(reminder)).toContain('appointment_reminder');
      expect(Date.now()).toBeGreaterThanOrEqual(startsAt.getTime() - 61_000);

      // the patient taps Confirm (quick reply 0)
      const tapped = await requestJson('POST', `${s.urls.simulator}/_sim/patients/${waId}/messages`, {
        body: { phone_number_id: s.seed.whatsapp.phoneNumberId, type: 'button', button: { index: 0 }, context: { message_id: reminder.id } },
      });
      expect(tapped.status).toBeLessThan(300);

      const getAppointment = unary<GetAppointmentRequest, GetAppointmentResponse>((r, m, cb) => client.getAppointment(r, m, cb));
      await waitFor(async () => (await getAppointment({ appointmentId }, md)).appointment?.state === AppointmentState.APPOINTMENT_STATE_CONFIRMED, {
        message: 'the appointment confirmed',
        timeoutMs: 30_000,
        intervalMs: 300,
      });
      // …and the confirmation arrives in the same chat
      const answer = await waitFor(
        async () => (await inbox(s, waId)).find((entry) => entry.type === 'interactive' && JSON.stringify(entry).includes('is confirmed')),
        { message: 'the confirmation on the patient’s phone', timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(JSON.stringify(answer)).toContain(`appt:${appointmentId}:reschedule:`);
    } finally {
      client.close();
    }
  });
});
