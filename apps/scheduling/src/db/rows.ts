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
