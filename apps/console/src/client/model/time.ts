// Durations as the care team reads them ("3 h 12 min"), rounded down: a countdown that says
// "1 min" must never be late.
import { t } from '../messages';

export function formatDuration(ms: number): string {
  const totalMinutes = Math.floor(Math.max(0, ms) / 60_000);
  if (totalMinutes < 1) return t.duration.lessThanMinute;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  return hours > 0 ? t.duration.hoursMinutes(hours, minutes) : t.duration.minutes(minutes);
}
