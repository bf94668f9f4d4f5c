import { describe, expect, it } from 'vitest';
import {
  type Directory,
  EMPTY_DIRECTORY,
  calendarZone,
  cliniciansOf,
  clinicZone,
  nameOf,
} from './calendar-directory';

const ID = '7d9f3c1e-0a4b-4c2d-9e8f-1a2b3c4d5e6f';

const directory: Directory = {
  sites: [
    { id: 's-ba', name: 'Annex', timeZone: 'America/Argentina/Buenos_Aires' },
    { id: 's-md', name: 'Central', timeZone: 'Europe/Madrid' },
  ],
  clinics: [
    { id: 'c-allergy', siteId: 's-ba', name: 'Allergy' },
    { id: 'c-cardio', siteId: 's-md', name: 'Cardiology' },
  ],
  clinicians: [
    { id: 'dr-abad', clinicId: 'c-allergy', displayName: 'Dr Abad' },
    { id: 'dr-ruiz', clinicId: 'c-cardio', displayName: 'Dr Ruiz' },
    { id: 'dr-sanz', clinicId: 'c-cardio', displayName: 'Dr Sanz' },
  ],
  types: [{ id: 't-1', name: 'Follow-up', mode: 'in_person', durationMinutes: 30 }],
};

describe('the calendar set-up loaded from the api', () => {
  it('names ids by what the api listed, and shortens the ids it did not list', () => {
    expect(nameOf(directory, 'clinics', 'c-cardio')).toBe('Cardiology');
    expect(nameOf(directory, 'clinicians', 'dr-ruiz')).toBe('Dr Ruiz');
    expect(nameOf(directory, 'types', 't-1')).toBe('Follow-up');
    expect(nameOf(directory, 'clinics', ID)).toBe('7d9f3c1e…');
    expect(nameOf(EMPTY_DIRECTORY, 'clinicians', 'dr-1')).toBe('dr-1');
  });

  it('narrows clinicians to a clinic, keeping the api’s order', () => {
    expect(cliniciansOf(directory, 'c-cardio').map((c) => c.displayName)).toEqual(['Dr Ruiz', 'Dr Sanz']);
    expect(cliniciansOf(directory, '')).toHaveLength(3);
    expect(cliniciansOf(directory, 'unknown')).toEqual([]);
  });

  it('draws a calendar in the zone of the site of the clinic or clinician chosen', () => {
    expect(clinicZone(directory, 'c-allergy')).toBe('America/Argentina/Buenos_Aires');
    expect(clinicZone(directory, 'nope')).toBeUndefined();
    expect(calendarZone(directory, { clinicId: 'c-cardio', clinicianId: '' }, 'UTC')).toBe('Europe/Madrid');
    // a clinician names their clinic's site, whatever clinic filter is set
    expect(calendarZone(directory, { clinicId: '', clinicianId: 'dr-abad' }, 'UTC')).toBe(
      'America/Argentina/Buenos_Aires',
    );
    // neither: the first site's; nothing loaded: the fallback
    expect(calendarZone(directory, { clinicId: '', clinicianId: '' }, 'UTC')).toBe(
      'America/Argentina/Buenos_Aires',
    );
    expect(calendarZone(EMPTY_DIRECTORY, { clinicId: '', clinicianId: '' }, 'Asia/Tokyo')).toBe('Asia/Tokyo');
  });
});
