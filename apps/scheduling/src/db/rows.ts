// Row parsing helpers: node-postgres returns untyped rows, so each repository parses them with a
// schema rather than casting (bytea comes back as a Buffer, timestamptz as a Date).
import { z } from 'zod';

export const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { message: 'expected bytea' });
export const nullableBytes = bytes.nullable();

/** SQLSTATE of a pg error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The exclusion constraint refused an overlapping active appointment (23P01). */
export function isDoubleBooking(error: unknown): boolean {
  return (
    sqlState(error) === '23P01' &&
    (error as { constraint?: unknown }).constraint === 'appointments_no_double_booking'
  );
}

export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/**
 * A transaction Postgres aborted to break a deadlock (40P01) or a serialization conflict (40001):
 * nothing of it was committed, and running it again is safe. Concurrent bookings of one clinician
 * wait on each other's exclusion check while holding other locks, so this happens under load.
 */
export function isTransientConflict(error: unknown): boolean {
  const state = sqlState(error);
  return state === '40P01' || state === '40001';
}
