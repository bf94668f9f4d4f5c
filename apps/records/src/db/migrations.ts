// records' migrations, inlined as text (`?raw`) so the esbuild bundle carries them (a bundle has
// no .sql files next to it). Add a file here AND to the list; never edit an applied one.
import { migrationsFromFiles } from '@careline/db';
import records from './migrations/0001_records.sql?raw';
import selfService from './migrations/0002_self_service.sql?raw';

export const recordsMigrations = migrationsFromFiles([
  { fileName: '0001_records.sql', sql: records },
  { fileName: '0002_self_service.sql', sql: selfService },
]);
