// Ingest's own migrations, inlined as text (`?raw`) so the esbuild bundle carries them: a bundle
// has no .sql files next to it. Add a file here AND to the list; never edit an applied one.
import { migrationsFromFiles } from '@careline/db';
import dedupe from './migrations/0001_dedupe.sql?raw';

/** The schema ingest owns; its role is named like it in every deployment (tests use random roles). */
export const INGEST_SCHEMA = 'ingest';

export const ingestMigrations = migrationsFromFiles([{ fileName: '0001_dedupe.sql', sql: dedupe }]);
