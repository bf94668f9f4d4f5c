// The rules of the directory's fields. Messages name the field and the rule, never the value.
import { ROLES } from '@careline/auth';
import { isUuid } from '@careline/db';
import { invalidArgument } from '@careline/runtime';

export const DEFAULT_LANGUAGE = 'en_US';

/** A trimmed name of 1 to `max` characters without control characters. */
export function checkName(field: string, value: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || [...trimmed].length > max || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw invalidArgument(`invalid_${field}`, `${field} must be 1 to ${max} characters without control characters.`);
  }
  return trimmed;
}

/** An IANA time zone the runtime knows (`Europe/Madrid`, `UTC`). */
export function checkTimeZone(value: string): string {
  const invalid = () => invalidArgument('invalid_time_zone', 'time_zone must be an IANA time zone such as Europe/Madrid.');
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(value)) throw invalid();
  try {
    // Canonical spelling: "europe/madrid" is stored as "Europe/Madrid".
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw invalid();
  }
}

/** A WhatsApp template language code: `en`, `es`, `en_US`, `pt_BR`. */
export function checkLanguage(value: string): string {
  if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(value)) {
    throw invalidArgument('invalid_default_language', 'default_language must be a WhatsApp language code such as en_US or es.');
  }
  return value;
}

/** An OIDC subject: 1 to 255 visible ASCII characters. */
export function checkSubject(value: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(value)) throw invalidArgument('invalid_subject', 'subject must be 1 to 255 visible ASCII characters.');
  return value;
}

/** An e-mail address ("" clears it → null). */
export function checkEmail(value: string): string | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (trimmed.length > 320 || !/^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/.test(trimmed)) {
    throw invalidArgument('invalid_email', 'email must be an e-mail address.');
  }
  return trimmed;
}

/** One or more of @careline/auth's ROLES, de-duplicated, in ROLES order. */
export function checkRoles(values: readonly string[]): string[] {
  const unknown = values.filter((value) => !(ROLES as readonly string[]).includes(value));
  if (unknown.length > 0 || values.length === 0) {
    // Role names are not personal data; naming the allowed ones helps the caller.
    throw invalidArgument('invalid_roles', `roles must be one or more of ${ROLES.join(', ')}.`);
  }
  return ROLES.filter((role) => values.includes(role));
}

/** UUIDs, lower case, de-duplicated. */
export function checkIds(field: string, values: readonly string[]): string[] {
  if (values.some((value) => !isUuid(value))) throw invalidArgument(`invalid_${field}`, `${field} must be ids (UUIDs).`);
  return [...new Set(values.map((value) => value.toLowerCase()))];
}
