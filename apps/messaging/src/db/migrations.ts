// messaging's migrations, inlined as text (`?raw`) so the esbuild bundle carries them (a bundle has
// no .sql files next to it). Add a file here AND to the list; never edit an applied one.
import { migrationsFromFiles } from '@careline/db';
import conversationsAndMessages from './migrations/0001_conversations_and_messages.sql?raw';

export const messagingMigrations = migrationsFromFiles([
  { fileName: '0001_conversations_and_messages.sql', sql: conversationsAndMessages },
]);
