// The gateway's own migrations (component `app` of schema `gateway`), inlined as text so that the
// bundle (which carries no .sql files) applies them too. The bus tables (outbox, processed events)
// are applied separately as component `bus`.
import { migrationsFromFiles } from '@careline/db';
import outboundOutcomes from './migrations/0001_outbound_outcomes.sql?raw';
import channels from './migrations/0002_channels.sql?raw';
import sendLedger from './migrations/0003_send_ledger.sql?raw';

/** The schema (and, in deployments, the role) the gateway owns. */
export const GATEWAY_SCHEMA = 'gateway';

export const gatewayMigrations = migrationsFromFiles([
  { fileName: '0001_outbound_outcomes.sql', sql: outboundOutcomes },
  { fileName: '0002_channels.sql', sql: channels },
  { fileName: '0003_send_ledger.sql', sql: sendLedger },
]);
