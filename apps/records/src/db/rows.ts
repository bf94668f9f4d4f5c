// Row parsing helpers: node-postgres returns untyped rows, so each repository parses them with a
// schema rather than casting (bytea comes back as a Buffer, timestamptz as a Date).
import { z } from 'zod';

export const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, {
  message: 'expected bytea',
});
export const nullableBytes = bytes.nullable();
