// A patient's identifying fields: validation of what callers write, the normal forms the blind
// indexes are computed from, and the sealed identity document.
//
// Search on encrypted data (the trade-off, see README.md): names and dates of birth are sealed,
// so the database can only compare keyed hashes (HMAC under the tenant's lookup key) of values
// normalised the same way on write and on search. That gives exact matches on: the MRN, the
// WhatsApp number, the family name, and the family name with the date of birth. It cannot give
// substring, prefix or fuzzy matches on the database side; a given-name prefix is filtered after
// opening the (few) family-name matches. The hashes reveal equality to whoever reads the table
// (two patients share a family name) but nothing more without the tenant's key.
import { z } from 'zod';
import { invalidPatient } from './errors';

export interface PatientIdentity {
  mrn: string;
  givenName: string;
  familyName: string;
  /** `YYYY-MM-DD` */
  dateOfBirth: string;
  /** digits with country code, or '' */
  waId: string;
}

export const identitySchema = z.object({
  mrn: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  dateOfBirth: z.string(),
  waId: z.string(),
});

export const BLIND_INDEX = {
  mrn: 'records/mrn',
  familyName: 'records/family_name',
  familyNameDob: 'records/family_name_dob',
} as const;

/** MRNs compare without case or surrounding/internal spaces. */
export function normaliseMrn(mrn: string): string {
  return mrn.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

/** Names compare without case, accents, spaces, hyphens or apostrophes ("Müller-Lüdenscheidt" = "mullerludenscheidt"). */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Accepts `YYYY-MM-DD` (what `<input type="date">` sends), with surrounding spaces. */
export function normaliseDate(value: string): string | undefined {
  const trimmed = value.trim();
  return isIsoDate(trimmed) ? trimmed : undefined;
}

const WA_ID = /^[1-9]\d{7,14}$/;

/** The WhatsApp number as Meta's wa_id: digits only ("+49 151 234-567" → "49151234567"). */
export function normaliseWaId(value: string): string {
  return value.replace(/[\s()+.-]/g, '');
}

const LANGUAGE = /^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$/;

export interface PatientInput {
  mrn: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  waId: string;
  preferredLanguage: string;
}

/** Checks and normalises what a caller wrote; errors name the field, never the value. */
export function validatePatient(
  input: PatientInput,
  today: Date,
): { identity: PatientIdentity; preferredLanguage: string } {
  const mrn = input.mrn.trim();
  if (mrn.length < 1 || mrn.length > 64) throw invalidPatient('mrn', 'must be 1 to 64 characters');
  const givenName = input.givenName.trim();
  if (givenName.length < 1 || givenName.length > 200)
    throw invalidPatient('given_name', 'must be 1 to 200 characters');
  const familyName = input.familyName.trim();
  if (familyName.length < 1 || familyName.length > 200 || normaliseName(familyName) === '') {
    throw invalidPatient('family_name', 'must be 1 to 200 characters with at least one letter');
  }
  const dateOfBirth = normaliseDate(input.dateOfBirth);
  if (dateOfBirth === undefined) throw invalidPatient('date_of_birth', 'must be a date YYYY-MM-DD');
  if (dateOfBirth > today.toISOString().slice(0, 10))
    throw invalidPatient('date_of_birth', 'must not be in the future');
  const waId = normaliseWaId(input.waId);
  if (waId !== '' && !WA_ID.test(waId))
    throw invalidPatient('wa_id', 'must be 8 to 15 digits with the country code');
  const preferredLanguage = input.preferredLanguage.trim();
  if (preferredLanguage !== '' && !LANGUAGE.test(preferredLanguage)) {
    throw invalidPatient('preferred_language', 'must be a language tag such as "en" or "es"');
  }
  return { identity: { mrn, givenName, familyName, dateOfBirth, waId }, preferredLanguage };
}
