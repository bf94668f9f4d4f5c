// Request checks shared by the use-cases. Values never appear in the errors, only field names.
import { type PatientRef } from '@careline/contracts';
import { isUuid } from '@careline/db';
import { invalidRequest } from '../domain/errors';

export function uuid(field: string, value: string): string {
  if (!isUuid(value)) throw invalidRequest(field, 'must be a UUID');
  return value.toLowerCase();
}

export function optionalUuid(field: string, value: string): string | undefined {
  return value === '' ? undefined : uuid(field, value);
}

export function instant(field: string, value: Date | undefined): Date {
  if (value === undefined || Number.isNaN(value.getTime())) throw invalidRequest(field, 'is required');
  return value;
}

export function range(from: Date | undefined, to: Date | undefined, maxDays: number): { from: Date; to: Date } {
  const start = instant('from', from);
  const end = instant('to', to);
  if (end.getTime() <= start.getTime()) throw invalidRequest('to', 'must be after from');
  if (end.getTime() - start.getTime() > maxDays * 86_400_000) throw invalidRequest('to', `must be at most ${maxDays} days after from`);
  return { from: start, to: end };
}

export function limit(value: number, fallback: number, max: number): number {
  if (value < 0) throw invalidRequest('limit', 'must not be negative');
  return value === 0 ? fallback : Math.min(value, max);
}

const WA_ID = /^[1-9][0-9]{6,14}$/;
const LANGUAGE = /^[a-z]{2,3}(_[A-Z]{2})?$/;
const PHONE_NUMBER_ID = /^[0-9]{1,32}$/;

export interface PatientInput {
  patientId: string | null;
  waId: string;
  language: string | undefined;
  displayName: string | undefined;
  phoneNumberId: string;
}

export function patient(ref: PatientRef | undefined): PatientInput {
  if (ref === undefined) throw invalidRequest('patient', 'is required');
  if (!WA_ID.test(ref.waId)) throw invalidRequest('patient.wa_id', 'must be an international number, digits only');
  if (ref.languageCode !== '' && !LANGUAGE.test(ref.languageCode)) throw invalidRequest('patient.language_code', 'must be like es or en_US');
  if (ref.phoneNumberId !== '' && !PHONE_NUMBER_ID.test(ref.phoneNumberId)) throw invalidRequest('patient.phone_number_id', 'must be digits');
  if (ref.displayName.length > 200) throw invalidRequest('patient.display_name', 'must be at most 200 characters');
  return {
    patientId: optionalUuid('patient.patient_id', ref.patientId) ?? null,
    waId: ref.waId,
    language: ref.languageCode === '' ? undefined : ref.languageCode,
    displayName: ref.displayName === '' ? undefined : ref.displayName,
    phoneNumberId: ref.phoneNumberId,
  };
}
