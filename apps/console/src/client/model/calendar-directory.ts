// The hospital's calendar set-up as the console shows it: sites (with their time zone), clinics,
// clinicians and appointment types, read from the api (GET /v1/sites, /clinics, /clinicians,
// /appointment-types, each sorted by name) so staff pick them by name and never type an id. Pure
// functions over what was loaded: names for ids, the clinicians of a clinic, and the time zone a
// calendar is drawn in (its site's).
import type { AppointmentTypeItem, ClinicItem, ClinicianItem, SiteItem } from '../schemas';

export interface Directory {
  sites: readonly SiteItem[];
  clinics: readonly ClinicItem[];
  clinicians: readonly ClinicianItem[];
  types: readonly AppointmentTypeItem[];
}
export type DirectoryKind = 'clinics' | 'clinicians' | 'types';

export const EMPTY_DIRECTORY: Directory = { sites: [], clinics: [], clinicians: [], types: [] };

/** The label of an id: its name, else a shortened id (something deleted, or not loaded yet). */
export function nameOf(directory: Directory, kind: DirectoryKind, id: string): string {
  switch (kind) {
    case 'clinics':
      return directory.clinics.find((c) => c.id === id)?.name ?? shortId(id);
    case 'clinicians':
      return directory.clinicians.find((c) => c.id === id)?.displayName ?? shortId(id);
    case 'types':
      return directory.types.find((c) => c.id === id)?.name ?? shortId(id);
  }
}

export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

/** The clinicians of one clinic ('' = every clinic), in the api's order (by name). */
export function cliniciansOf(directory: Directory, clinicId: string): readonly ClinicianItem[] {
  return clinicId === '' ? directory.clinicians : directory.clinicians.filter((c) => c.clinicId === clinicId);
}

/** The time zone of a clinic's site, if both are known. */
export function clinicZone(directory: Directory, clinicId: string): string | undefined {
  const clinic = directory.clinics.find((c) => c.id === clinicId);
  return clinic === undefined ? undefined : directory.sites.find((s) => s.id === clinic.siteId)?.timeZone;
}

/**
 * The zone a calendar of this clinic or clinician is drawn in: their site's (working hours are
 * local to the site, so a day is the site's day). With neither chosen, the first site's (by name),
 * else the fallback (no sites yet: the hospital's zone).
 */
export function calendarZone(
  directory: Directory,
  choice: { clinicId: string; clinicianId: string },
  fallback: string,
): string {
  const clinician = directory.clinicians.find((c) => c.id === choice.clinicianId);
  const byChoice = clinicZone(directory, clinician?.clinicId ?? choice.clinicId);
  if (byChoice !== undefined) return byChoice;
  return directory.sites[0]?.timeZone ?? fallback;
}
