import { describe, expect, it } from 'vitest';
import { isIsoDate, normaliseMrn, normaliseName, normaliseWaId, validatePatient } from './patient';

const today = new Date('2026-03-01T12:00:00Z');
const valid = {
  mrn: ' mrn-001 ',
  givenName: 'Ana',
  familyName: 'García-López',
  dateOfBirth: '1980-02-29',
  waId: '+49 151 2345 6789',
  preferredLanguage: 'es',
};

describe('patient fields', () => {
  it('normalises names so that search ignores case, accents, spaces and hyphens', () => {
    expect(normaliseName('García-López')).toBe(normaliseName('garcia lopez'));
    expect(normaliseName("O'Brien")).toBe('obrien');
    expect(normaliseName('Müller')).toBe('muller');
    expect(normaliseMrn(' ab 12 ')).toBe('AB12');
    expect(normaliseWaId('+49 (151) 234-567')).toBe('49151234567');
  });

  it('accepts real calendar dates only', () => {
    expect(isIsoDate('1980-02-29')).toBe(true);
    expect(isIsoDate('1981-02-29')).toBe(false);
    expect(isIsoDate('1980-13-01')).toBe(false);
    expect(isIsoDate('01/02/1980')).toBe(false);
  });

  it('validates and trims, with errors that name the field and never quote the value', () => {
    const { identity, preferredLanguage } = validatePatient(valid, today);
    expect(identity).toEqual({
      mrn: 'mrn-001',
      givenName: 'Ana',
      familyName: 'García-López',
      dateOfBirth: '1980-02-29',
      waId: '4915123456789',
    });
    expect(preferredLanguage).toBe('es');
    expect(() => validatePatient({ ...valid, dateOfBirth: '2027-01-01' }, today)).toThrow(/date_of_birth/);
    expect(() => validatePatient({ ...valid, waId: '12ab' }, today)).toThrow(/wa_id/);
    try {
      validatePatient({ ...valid, familyName: '---' }, today);
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toMatch(/family_name/);
      expect(String(error)).not.toContain('---');
    }
  });
});
