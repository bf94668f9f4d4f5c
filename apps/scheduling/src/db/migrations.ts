// scheduling's migrations, inlined as text (`?raw`) so the esbuild bundle carries them (a bundle has
// no .sql files next to it). Add a file here AND to the list; never edit an applied one.
import { migrationsFromFiles } from '@careline/db';
import calendar from './migrations/0001_calendar.sql?raw';
import bookingChat from './migrations/0002_booking_chat.sql?raw';

export const schedulingMigrations = migrationsFromFiles([
  { fileName: '0001_calendar.sql', sql: calendar },
  { fileName: '0002_booking_chat.sql', sql: bookingChat },
]);
