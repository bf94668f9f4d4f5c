import { ApiError } from '../api';
import { t } from '../messages';

/** What to show for a failed call: the plain text for a code the screen knows, else the api's detail. */
export function errorText(caught: unknown, known: Readonly<Record<string, string>> = {}): string {
  if (caught instanceof ApiError) return known[caught.code] ?? t.errors.generic(caught.message);
  return t.errors.network;
}
