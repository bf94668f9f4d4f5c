// messaging's migrations, inlined as text (`?raw`) so the esbuild bundle carries them (a bundle has
// no .sql files next to it). Add a file here AND to the list; never edit an applied one.
import { migrationsFromFiles } from '@careline/db';
import conversationsAndMessages from './migrations/0001_conversations_and_messages.sql?raw';
import messageTraceId from './migrations/0002_message_trace_id.sql?raw';
import restrictedConversations from './migrations/0003_restricted_conversations.sql?raw';
import tenantDirectory from './migrations/0004_tenant_directory.sql?raw';
import templatesAndConsent from './migrations/0005_templates_and_consent.sql?raw';
import inbox from './migrations/0006_inbox.sql?raw';
import media from './migrations/0007_media.sql?raw';
import patientLinks from './migrations/0008_patient_links.sql?raw';
import templateStatus from './migrations/0009_template_status.sql?raw';
import patientKeysAndErasure from './migrations/0010_patient_keys_and_erasure.sql?raw';

export const messagingMigrations = migrationsFromFiles([
  { fileName: '0001_conversations_and_messages.sql', sql: conversationsAndMessages },
  { fileName: '0002_message_trace_id.sql', sql: messageTraceId },
  { fileName: '0003_restricted_conversations.sql', sql: restrictedConversations },
  { fileName: '0004_tenant_directory.sql', sql: tenantDirectory },
  { fileName: '0005_templates_and_consent.sql', sql: templatesAndConsent },
  { fileName: '0006_inbox.sql', sql: inbox },
  { fileName: '0007_media.sql', sql: media },
  { fileName: '0008_patient_links.sql', sql: patientLinks },
  { fileName: '0009_template_status.sql', sql: templateStatus },
  { fileName: '0010_patient_keys_and_erasure.sql', sql: patientKeysAndErasure },
]);
