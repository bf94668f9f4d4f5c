// Appointment states as stored (snake_case) and as the contract's enum, and which count as active
// (hold the clinician's time: the exclusion constraint's predicate says the same).
import { AppointmentMode, AppointmentState } from '@careline/contracts';

export const APPOINTMENT_STATES = [
  'booked',
  'confirmed',
  'rescheduled',
  'cancelled_by_patient',
  'cancelled_by_staff',
  'attended',
  'no_show',
] as const;
export type AppointmentStateName = (typeof APPOINTMENT_STATES)[number];

export const ACTIVE_STATES: readonly AppointmentStateName[] = ['booked', 'confirmed', 'rescheduled'];

export function isActive(state: AppointmentStateName): boolean {
  return ACTIVE_STATES.includes(state);
}

export function stateToProto(state: AppointmentStateName): AppointmentState {
  switch (state) {
    case 'booked':
      return AppointmentState.APPOINTMENT_STATE_BOOKED;
    case 'confirmed':
      return AppointmentState.APPOINTMENT_STATE_CONFIRMED;
    case 'rescheduled':
      return AppointmentState.APPOINTMENT_STATE_RESCHEDULED;
    case 'cancelled_by_patient':
      return AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_PATIENT;
    case 'cancelled_by_staff':
      return AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_STAFF;
    case 'attended':
      return AppointmentState.APPOINTMENT_STATE_ATTENDED;
    case 'no_show':
      return AppointmentState.APPOINTMENT_STATE_NO_SHOW;
  }
}

export type ModeName = 'in_person' | 'video';

export function modeToProto(mode: ModeName): AppointmentMode {
  return mode === 'video' ? AppointmentMode.APPOINTMENT_MODE_VIDEO : AppointmentMode.APPOINTMENT_MODE_IN_PERSON;
}

export function modeFromProto(mode: AppointmentMode): ModeName {
  return mode === AppointmentMode.APPOINTMENT_MODE_VIDEO ? 'video' : 'in_person';
}
