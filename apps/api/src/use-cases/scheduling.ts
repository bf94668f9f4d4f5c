// Appointments and the calendar set-up over REST: what each call means in SchedulingService calls.
// scheduling re-checks the permission, audits every read and change of an appointment and answers
// another tenant's ids with NOT_FOUND; the api adds the REST shapes. Appointments carry no tenant
// field to check a second time (unlike conversations or patients): scheduling reads them under
// the metadata's tenant with forced row-level security.
import type { Principal } from '@careline/auth';
import { internalError } from '@careline/runtime';
import type { z } from 'zod';
import { callerOf } from '../auth/principal';
import type { SchedulingClient } from '../grpc/scheduling-client';
import {
  type AppointmentView,
  type appointmentListQuerySchema,
  type appointmentTypeBodySchema,
  type attendanceBodySchema,
  type availabilityQuerySchema,
  type bookBodySchema,
  type cancelBodySchema,
  type clinicBodySchema,
  type clinicListQuerySchema,
  type clinicianBodySchema,
  type clinicianListQuerySchema,
  type importBodySchema,
  modeToProto,
  type noShowQuerySchema,
  patientToProto,
  type rescheduleBodySchema,
  type siteBodySchema,
  toAppointmentTypeView,
  toAppointmentView,
  toClinicView,
  toClinicianView,
  toImportResultView,
  toNoShowReport,
  toSiteView,
  toSlotView,
  type workingHoursBodySchema,
} from '../schemas/scheduling';
import { idempotencyKeyOf } from './records';

export interface SchedulingDeps {
  scheduling: SchedulingClient;
}

function missing(what: string): Error {
  return internalError('upstream_invalid_response', `scheduling answered without the ${what}.`);
}

function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw missing(what);
  return value;
}

export function createSchedulingUseCases({ scheduling }: SchedulingDeps) {
  const appointment = (response: { appointment?: Parameters<typeof toAppointmentView>[0] | undefined }): AppointmentView =>
    toAppointmentView(present(response.appointment, 'appointment'));

  return {
    // ------------------------------------------------------------ set-up (ids chosen by the client)
    async putSite(principal: Principal, id: string, body: z.output<typeof siteBodySchema>) {
      const { site } = await scheduling.upsertSite(callerOf(principal), { site: { id, name: body.name, timeZone: body.timeZone } });
      return toSiteView(present(site, 'site'));
    },

    async putClinic(principal: Principal, id: string, body: z.output<typeof clinicBodySchema>) {
      const { clinic } = await scheduling.upsertClinic(callerOf(principal), { clinic: { id, siteId: body.siteId, name: body.name } });
      return toClinicView(present(clinic, 'clinic'));
    },

    async putClinician(principal: Principal, id: string, body: z.output<typeof clinicianBodySchema>) {
      const { clinician } = await scheduling.upsertClinician(callerOf(principal), {
        clinician: { id, clinicId: body.clinicId, displayName: body.displayName },
      });
      return toClinicianView(present(clinician, 'clinician'));
    },

    async putAppointmentType(principal: Principal, id: string, body: z.output<typeof appointmentTypeBodySchema>) {
      const { appointmentType } = await scheduling.upsertAppointmentType(callerOf(principal), {
        appointmentType: { id, name: body.name, mode: modeToProto(body.mode), durationMinutes: body.durationMinutes },
      });
      return toAppointmentTypeView(present(appointmentType, 'appointment type'));
    },

    /** SetWorkingHours answers nothing: the view is what was sent, as scheduling stored it. */
    async putWorkingHours(principal: Principal, clinicianId: string, body: z.output<typeof workingHoursBodySchema>) {
      await scheduling.setWorkingHours(callerOf(principal), {
        clinicianId,
        hours: body.hours.map((h) => ({ weekday: h.weekday, startTime: h.start, endTime: h.end })),
        exceptions: body.exceptions.map((e) => ({ date: e.date, startTime: e.start ?? '', endTime: e.end ?? '' })),
      });
      return {
        clinicianId,
        hours: body.hours,
        exceptions: body.exceptions.map((e) => ({ date: e.date, start: e.start ?? null, end: e.end ?? null })),
      };
    },

    // ------------------------------------------------------------ set-up read back (sorted by scheduling)
    async listSites(principal: Principal) {
      const { sites } = await scheduling.listSites(callerOf(principal));
      return { items: sites.map(toSiteView) };
    },

    async listClinics(principal: Principal, query: z.output<typeof clinicListQuerySchema>) {
      const { clinics } = await scheduling.listClinics(callerOf(principal), { siteId: query.siteId ?? '' });
      return { items: clinics.map(toClinicView) };
    },

    async listClinicians(principal: Principal, query: z.output<typeof clinicianListQuerySchema>) {
      const { clinicians } = await scheduling.listClinicians(callerOf(principal), { clinicId: query.clinicId ?? '' });
      return { items: clinicians.map(toClinicianView) };
    },

    async listAppointmentTypes(principal: Principal) {
      const { appointmentTypes } = await scheduling.listAppointmentTypes(callerOf(principal));
      return { items: appointmentTypes.map(toAppointmentTypeView) };
    },

    // ------------------------------------------------------------ booking
    async searchAvailability(principal: Principal, query: z.output<typeof availabilityQuerySchema>) {
      const { slots } = await scheduling.searchAvailability(callerOf(principal), {
        appointmentTypeId: query.appointmentTypeId,
        clinicId: query.clinicId ?? '',
        clinicianId: query.clinicianId ?? '',
        from: query.from,
        to: query.to,
        limit: query.limit,
      });
      return { items: slots.map(toSlotView) };
    },

    async book(principal: Principal, body: z.output<typeof bookBodySchema>, headerKey: string | undefined) {
      return appointment(
        await scheduling.book(callerOf(principal), {
          clinicianId: body.clinicianId,
          appointmentTypeId: body.appointmentTypeId,
          startsAt: body.startsAt,
          patient: patientToProto(body.patient),
          idempotencyKey: idempotencyKeyOf(headerKey, body.idempotencyKey),
        }),
      );
    },

    async listAppointments(principal: Principal, query: z.output<typeof appointmentListQuerySchema>) {
      const { appointments } = await scheduling.listAppointments(callerOf(principal), {
        clinicId: query.clinicId ?? '',
        clinicianId: query.clinicianId ?? '',
        from: query.from,
        to: query.to,
        limit: query.limit,
      });
      return { items: appointments.map(toAppointmentView), limitReached: appointments.length >= query.limit };
    },

    async getAppointment(principal: Principal, appointmentId: string) {
      return appointment(await scheduling.getAppointment(callerOf(principal), { appointmentId }));
    },

    async reschedule(principal: Principal, appointmentId: string, body: z.output<typeof rescheduleBodySchema>) {
      return appointment(
        await scheduling.reschedule(callerOf(principal), { appointmentId, startsAt: body.startsAt, clinicianId: body.clinicianId ?? '' }),
      );
    },

    async cancel(principal: Principal, appointmentId: string, body: z.output<typeof cancelBodySchema>) {
      return appointment(await scheduling.cancel(callerOf(principal), { appointmentId, byPatient: body.cancelledBy === 'patient' }));
    },

    async markAttendance(principal: Principal, appointmentId: string, body: z.output<typeof attendanceBodySchema>) {
      return appointment(await scheduling.markAttendance(callerOf(principal), { appointmentId, attended: body.outcome === 'attended' }));
    },

    async importAppointments(principal: Principal, body: z.output<typeof importBodySchema>) {
      const { results } = await scheduling.importAppointments(callerOf(principal), {
        appointments: body.appointments.map((item) => ({
          externalId: item.externalId,
          clinicianId: item.clinicianId,
          appointmentTypeId: item.appointmentTypeId,
          startsAt: item.startsAt,
          patient: patientToProto(item.patient),
          cancelled: item.cancelled,
        })),
      });
      return { results: results.map(toImportResultView) };
    },

    async noShowReport(principal: Principal, query: z.output<typeof noShowQuerySchema>) {
      const { buckets } = await scheduling.noShowStats(callerOf(principal), { from: query.from, to: query.to, clinicId: query.clinicId ?? '' });
      return toNoShowReport(buckets, query.groupBy);
    },
  };
}

export type SchedulingUseCases = ReturnType<typeof createSchedulingUseCases>;
