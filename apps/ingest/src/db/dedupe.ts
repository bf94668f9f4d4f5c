// The de-duplication records (tables in ./migrations/0001_dedupe.sql). Every function takes the
// consumer's transaction, which has the tenant set: row-level security scopes each statement to
// it, and the record commits (or rolls back) together with the processed mark and the outbox row.
import { type PoolClient } from '@careline/db';
import { type MessageStatus } from '@careline/whatsapp';
import { INGEST_SCHEMA } from './migrations';

// Qualified names: the service role of a deployment is named like its schema, so "$user" on the
// search_path would find these unqualified, but test roles have random names.
const inboundMessages = `${INGEST_SCHEMA}.inbound_messages`;
const statusUpdates = `${INGEST_SCHEMA}.status_updates`;

/**
 * Records an inbound message under the Careline id `messageId`. Returns true the first time the
 * tenant's `wamid` is seen, false for a duplicate (whose first sighting is committed, or is still
 * in flight: the insert then waits for that transaction and reports the outcome).
 */
export async function recordInboundMessage(
  client: PoolClient,
  row: { tenantId: string; wamid: string; messageId: string; phoneNumberId: string },
): Promise<boolean> {
  const result = await client.query(
    `INSERT INTO ${inboundMessages} (tenant_id, wamid, message_id, phone_number_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, wamid) DO NOTHING`,
    [row.tenantId, row.wamid, row.messageId, row.phoneNumberId],
  );
  return result.rowCount === 1;
}

/** Records one status of an outbound message. True the first time (wamid, status) is seen. */
export async function recordStatusUpdate(
  client: PoolClient,
  row: { tenantId: string; wamid: string; status: MessageStatus },
): Promise<boolean> {
  const result = await client.query(
    `INSERT INTO ${statusUpdates} (tenant_id, wamid, status) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, wamid, status) DO NOTHING`,
    [row.tenantId, row.wamid, row.status],
  );
  return result.rowCount === 1;
}
