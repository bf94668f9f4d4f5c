// Audit's own migrations, inlined as text (`?raw`) so the esbuild bundle carries them. Add a file
// here AND to the list; never edit an applied one.
import { migrationsFromFiles } from '@careline/db';
import chain from './migrations/0001_chain.sql?raw';

/** The schema audit owns; its role is named like it in every deployment (tests use random roles). */
export const AUDIT_SCHEMA = 'audit';

export const auditMigrations = migrationsFromFiles([{ fileName: '0001_chain.sql', sql: chain }]);
