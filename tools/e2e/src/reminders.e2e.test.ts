// The reminder loop through every real process, Meta played by the simulator: staff book an
// appointment (SchedulingService), scheduling's clock fires the reminder at its time and hands it
// to messaging (SendTemplate, purpose REMINDER), the gateway sends the simulator's
// `appointment_reminder` template with Confirm / Reschedule / Cancel quick replies carrying
// scheduling's opaque references. Three patients, three taps on their phones, each reply coming
// back through gateway → ingest → patient.message.received.v1 → scheduling: Confirm confirms the
// appointment, Cancel cancels it, Reschedule offers the next free slots as a list and books the
// row picked; each patient gets the answer (SendInteractive) in the same chat.
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
  it('books, reminds on each patient’s phone at the stage’s time, and confirms, cancels or reschedules on the tap', async () => {
    const s = stack();
    const target = s.urls.schedulingGrpc;
    if (target === undefined) throw new Error('the stack has no scheduling');
    const client = new SchedulingServiceClient(target, credentials.createInsecure());
    try {
      const md = metadataForCaller({ tenantId: s.seed.tenant.id, actor: 'user:e2e-front-desk', roles: ['front_desk'] });
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
      const type = await unary<UpsertAppointmentTypeRequest, UpsertAppointmentTypeResponse>((r, m, cb) => client.upsertAppointmentType(r, m, cb))(
        { appointmentType: { id: '', name: 'Follow-up', mode: AppointmentMode.APPOINTMENT_MODE_IN_PERSON, durationMinutes: 30 } },
        md,
      );
      const startsAt = new Date(Math.ceil((Date.now() + 75_000) / 1000) * 1000);
      const getAppointment = unary<GetAppointmentRequest, GetAppointmentResponse>((r, m, cb) => client.getAppointment(r, m, cb));

      // one clinician per patient, all at the same time; open all day so that Reschedule has slots
      const patients = await Promise.all(
        (['confirm', 'cancel', 'reschedule'] as const).map(async (action, index) => {
          const waId = randomWaId();
          const created = await requestJson('POST', `${s.urls.simulator}/_sim/patients`, { body: { wa_id: waId, profile_name: `Ana ${index}` } });
          expect(created.status).toBe(201);
          const clinician = await unary<UpsertClinicianRequest, UpsertClinicianResponse>((r, m, cb) => client.upsertClinician(r, m, cb))(
            { clinician: { id: '', clinicId: clinic.clinic!.id, displayName: `Dr Ruiz ${index}` } },
            md,
          );
          await unary<SetWorkingHoursRequest, SetWorkingHoursResponse>((r, m, cb) => client.setWorkingHours(r, m, cb))(
            {
              clinicianId: clinician.clinician!.id,
              hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startTime: '00:00', endTime: '23:30' })),
              exceptions: [],
            },
            md,
          );
          const booked = await unary<BookRequest, BookResponse>((r, m, cb) => client.book(r, m, cb))(
            {
              clinicianId: clinician.clinician!.id,
              appointmentTypeId: type.appointmentType!.id,
              startsAt,
              patient: { patientId: '', waId, languageCode: 'en_US', displayName: `Ana ${index}`, phoneNumberId: '' },
              idempotencyKey: '',
            },
            md,
          );
          return { action, waId, appointmentId: booked.appointment!.id };
        }),
      );

      const tap = (waId: string, body: Record<string, unknown>) =>
        requestJson('POST', `${s.urls.simulator}/_sim/patients/${waId}/messages`, {
          body: { phone_number_id: s.seed.whatsapp.phoneNumberId, ...body },
        });
      const answered = (waId: string, text: string, what: string) =>
        waitFor(async () => (await inbox(s, waId)).find((entry) => entry.type === 'interactive' && JSON.stringify(entry).includes(text)), {
          message: what,
          timeoutMs: 30_000,
          intervalMs: 500,
        });

      for (const { action, waId, appointmentId } of patients) {
        // the reminder reaches the phone (due 60 s before the start, i.e. ~15 s after booking)
        const reminder = await waitFor(
          async () => (await inbox(s, waId)).find((entry) => entry.type === 'template' && JSON.stringify(entry).includes(`appt:${appointmentId}:confirm:`)),
          { message: `the reminder on the phone of the patient who will ${action}`, timeoutMs: 60_000, intervalMs: 500 },
        );
        expect(JSON.stringify(reminder)).toContain('appointment_reminder');
        expect(Date.now()).toBeGreaterThanOrEqual(startsAt.getTime() - 61_000);
        // the quick replies in the order the template shows them
        const buttons = JSON.stringify(reminder).match(new RegExp(`appt:${appointmentId}:(confirm|reschedule|cancel):`, 'g')) ?? [];
        const index = buttons.findIndex((button) => button.includes(`:${action}:`));
        expect(index, `${action} among ${buttons.join(' ')}`).toBeGreaterThanOrEqual(0);
        const tapped = await tap(waId, { type: 'button', button: { index }, context: { message_id: reminder.id } });
        expect(tapped.status).toBeLessThan(300);
      }

      const [confirmer, canceller, rescheduler] = patients as [(typeof patients)[number], (typeof patients)[number], (typeof patients)[number]];
      const stateOf = async (appointmentId: string) => (await getAppointment({ appointmentId }, md)).appointment;

      // Confirm: confirmed, and the confirmation arrives in the same chat
      await waitFor(async () => (await stateOf(confirmer.appointmentId))?.state === AppointmentState.APPOINTMENT_STATE_CONFIRMED, {
        message: 'the appointment confirmed',
        timeoutMs: 30_000,
        intervalMs: 300,
      });
      const confirmation = await answered(confirmer.waId, 'is confirmed', 'the confirmation on the phone');
      expect(JSON.stringify(confirmation)).toContain(`appt:${confirmer.appointmentId}:reschedule:`);

      // Cancel: cancelled by the patient, who is told so
      await waitFor(async () => (await stateOf(canceller.appointmentId))?.state === AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_PATIENT, {
        message: 'the appointment cancelled by the patient',
        timeoutMs: 30_000,
        intervalMs: 300,
      });
      await answered(canceller.waId, 'is cancelled', 'the cancellation on the phone');

      // Reschedule: the next free slots as a list; the patient picks the first row, which is booked
      const offer = await waitFor(
        async () => (await inbox(s, rescheduler.waId)).find((entry) => entry.type === 'interactive' && /slot:[0-9a-f-]{36}:[0-9]+/.test(JSON.stringify(entry))),
        { message: 'the free slots on the phone', timeoutMs: 30_000, intervalMs: 500 },
      );
      const row = /slot:[0-9a-f-]{36}:[0-9]+/.exec(JSON.stringify(offer))![0];
      const picked = await tap(rescheduler.waId, { type: 'interactive', interactive: { type: 'list_reply', id: row }, context: { message_id: offer.id } });
      expect(picked.status).toBeLessThan(300);
      // a time the patient picked is a time they confirmed
      const moved = await waitFor(
        async () => {
          const appointment = await stateOf(rescheduler.appointmentId);
          return appointment?.startsAt?.getTime() !== startsAt.getTime() ? appointment : undefined;
        },
        { message: 'the appointment moved to the slot picked', timeoutMs: 30_000, intervalMs: 300 },
      );
      expect(moved.state).toBe(AppointmentState.APPOINTMENT_STATE_CONFIRMED);
      await answered(rescheduler.waId, 'is now on', 'the new time on the phone');
    } finally {
      client.close();
    }
  });
});
