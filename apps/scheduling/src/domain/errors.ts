// scheduling's DomainErrors: stable codes (scheduling.proto lists them), messages without patient data.
import { type DomainError, conflict, failedPrecondition, invalidArgument, notFound } from '@careline/runtime';

export const appointmentNotFound = (): DomainError => notFound('appointment_not_found', 'No such appointment for this tenant.');
export const entityNotFound = (entity: 'site' | 'clinic' | 'clinician' | 'appointment_type'): DomainError =>
  notFound(`${entity}_not_found`, `No such ${entity.replace('_', ' ')} for this tenant.`);
export const slotTaken = (): DomainError =>
  conflict('slot_taken', 'The clinician already has an appointment at that time.');
export const notActive = (): DomainError =>
  failedPrecondition('appointment_not_active', 'The appointment is cancelled or finished and cannot change.');
export const outsideWorkingHours = (): DomainError =>
  failedPrecondition('outside_working_hours', "The time is outside the clinician's working hours.");
export const invalidRequest = (field: string, problem: string): DomainError =>
  invalidArgument('invalid_request', `${field} ${problem}.`, { details: { field } });
