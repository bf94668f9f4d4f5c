import { t } from '../messages';

/** A date and time for the care team, in the browser's zone (the patient panel's timestamps). */
export function dateTime(iso: string | null): string {
  if (iso === null) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  return new Date(ms).toLocaleString(t.locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** An appointment's time in the site's zone (the calendar's), e.g. "Tue 3 Mar 09:00". */
export function siteDateTime(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  };
  try {
    return new Date(ms).toLocaleString(t.locale, { ...options, timeZone });
  } catch {
    // a zone this browser does not know (typed by hand): the browser's own
    return new Date(ms).toLocaleString(t.locale, options);
  }
}
