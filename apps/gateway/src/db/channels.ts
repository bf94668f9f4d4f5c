// Repository of the channel registry (see migrations/0002_channels.sql). Every function but
// loadActiveChannels takes a transaction with the tenant set (withTenant): row-level security
// scopes each statement to that tenant. Credentials arrive and leave here sealed (bytes of a
// serialized Sealed); opening them is the registry's job, not SQL's.
import { type Pool, type PoolClient, withTransaction } from '@careline/db';
import { GATEWAY_SCHEMA } from './migrations';

const table = `${GATEWAY_SCHEMA}.channels`;
const wabas = `${GATEWAY_SCHEMA}.channel_wabas`;

/** The NOTIFY channel the migration's trigger signals on every change of the table. */
export const CHANNELS_CHANGED = 'gateway_channels_changed';

export type ChannelStatusValue = 'active' | 'disabled';

export interface ChannelRow {
  phoneNumberId: string;
  tenantId: string;
  displayPhoneNumber: string;
  wabaId: string;
  /** Serialized Sealed. */
  accessToken: Uint8Array;
  /** Serialized Sealed. */
  appSecret: Uint8Array;
  status: ChannelStatusValue;
  createdAt: Date;
  updatedAt: Date;
  credentialsUpdatedAt: Date;
}

interface DbRow {
  phone_number_id: string;
  tenant_id: string;
  display_phone_number: string;
  waba_id: string;
  access_token: Buffer;
  app_secret: Buffer;
  status: ChannelStatusValue;
  created_at: Date;
  updated_at: Date;
  credentials_updated_at: Date;
}

const COLUMNS =
  'phone_number_id, tenant_id, display_phone_number, waba_id, access_token, app_secret, status, created_at, updated_at, credentials_updated_at';

function toRow(row: DbRow): ChannelRow {
  return {
    phoneNumberId: row.phone_number_id,
    tenantId: row.tenant_id,
    displayPhoneNumber: row.display_phone_number,
    wabaId: row.waba_id,
    accessToken: row.access_token,
    appSecret: row.app_secret,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    credentialsUpdatedAt: row.credentials_updated_at,
  };
}

/**
 * Every ACTIVE channel of every tenant: the registry loader's cross-tenant read, and the only user
 * of the `platform_directory_read` policy. READ ONLY, with the flag set for this transaction only
 * (`set_config(…, true)`), so it cannot leak to the next user of the connection nor widen a write.
 */
export async function loadActiveChannels(pool: Pool): Promise<ChannelRow[]> {
  return withTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION READ ONLY');
    await client.query("SELECT set_config('app.platform_directory', 'on', true)");
    const { rows } = await client.query<DbRow>(`SELECT ${COLUMNS} FROM ${table} WHERE status = 'active' ORDER BY phone_number_id`);
    return rows.map(toRow);
  });
}

/** The tenant's channels (disabled ones included), by number. */
export async function listChannels(client: PoolClient): Promise<ChannelRow[]> {
  const { rows } = await client.query<DbRow>(`SELECT ${COLUMNS} FROM ${table} ORDER BY phone_number_id`);
  return rows.map(toRow);
}

export async function findChannel(client: PoolClient, phoneNumberId: string): Promise<ChannelRow | undefined> {
  const { rows } = await client.query<DbRow>(`SELECT ${COLUMNS} FROM ${table} WHERE phone_number_id = $1`, [phoneNumberId]);
  const row = rows[0];
  return row === undefined ? undefined : toRow(row);
}

/**
 * Claims the WABA for the transaction's tenant. False when another tenant holds it: the primary
 * key sees every tenant's claim (so the insert does nothing), the policy shows only our own.
 */
export async function claimWaba(client: PoolClient, tenantId: string, wabaId: string): Promise<boolean> {
  await client.query(`INSERT INTO ${wabas} (waba_id, tenant_id) VALUES ($1, $2) ON CONFLICT (waba_id) DO NOTHING`, [wabaId, tenantId]);
  const { rows } = await client.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${wabas} WHERE waba_id = $1`, [wabaId]);
  return rows[0]?.tenant_id === tenantId;
}

export interface NewChannel {
  phoneNumberId: string;
  tenantId: string;
  displayPhoneNumber: string;
  wabaId: string;
  accessToken: Uint8Array;
  appSecret: Uint8Array;
}

/** Inserts a channel; undefined when the number is already registered (by any tenant). */
export async function insertChannel(client: PoolClient, channel: NewChannel, at: Date): Promise<ChannelRow | undefined> {
  const { rows } = await client.query<DbRow>(
    `INSERT INTO ${table} (phone_number_id, tenant_id, display_phone_number, waba_id, access_token, app_secret,
                           status, created_at, updated_at, credentials_updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7, $7)
     ON CONFLICT (phone_number_id) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      channel.phoneNumberId,
      channel.tenantId,
      channel.displayPhoneNumber,
      channel.wabaId,
      Buffer.from(channel.accessToken),
      Buffer.from(channel.appSecret),
      at,
    ],
  );
  const row = rows[0];
  return row === undefined ? undefined : toRow(row);
}

export interface ChannelPatch {
  displayPhoneNumber?: string;
  accessToken?: Uint8Array;
  appSecret?: Uint8Array;
  status?: ChannelStatusValue;
  /** Bootstrap only: the WABA may change with the configuration. */
  wabaId?: string;
}

/** Applies a patch to one of the tenant's channels; undefined when the tenant has no such number. */
export async function updateChannel(client: PoolClient, phoneNumberId: string, patch: ChannelPatch, at: Date): Promise<ChannelRow | undefined> {
  const sets: string[] = ['updated_at = $2'];
  const values: unknown[] = [phoneNumberId, at];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (patch.displayPhoneNumber !== undefined) set('display_phone_number', patch.displayPhoneNumber);
  if (patch.wabaId !== undefined) set('waba_id', patch.wabaId);
  if (patch.status !== undefined) set('status', patch.status);
  if (patch.accessToken !== undefined) set('access_token', Buffer.from(patch.accessToken));
  if (patch.appSecret !== undefined) set('app_secret', Buffer.from(patch.appSecret));
  if (patch.accessToken !== undefined || patch.appSecret !== undefined) sets.push('credentials_updated_at = $2');
  const { rows } = await client.query<DbRow>(
    `UPDATE ${table} SET ${sets.join(', ')} WHERE phone_number_id = $1 RETURNING ${COLUMNS}`,
    values,
  );
  const row = rows[0];
  return row === undefined ? undefined : toRow(row);
}

/**
 * A dedicated connection LISTENing for registry changes. `onChange` is called for every
 * notification; `onError` when the connection breaks (the caller decides when to listen again;
 * the registry's poll covers the gap).
 */
export async function listenForChannelChanges(
  pool: Pool,
  handlers: { onChange: () => void; onError: (error: Error) => void },
): Promise<{ close(): void }> {
  const client = await pool.connect();
  let closed = false;
  const release = (error?: Error) => {
    if (closed) return;
    closed = true;
    client.removeAllListeners('notification');
    client.removeAllListeners('error');
    // A connection that failed is destroyed rather than returned to the pool.
    client.release(error ?? true);
  };
  client.on('notification', (message) => {
    if (message.channel === CHANNELS_CHANGED) handlers.onChange();
  });
  client.on('error', (error) => {
    release(error);
    handlers.onError(error);
  });
  try {
    await client.query(`LISTEN ${CHANNELS_CHANGED}`);
  } catch (error) {
    release(error instanceof Error ? error : new Error('LISTEN failed'));
    throw error;
  }
  // Released with `true` (destroyed) on close: a session that LISTENs must not serve queries for
  // others, and UNLISTEN on a possibly broken connection would only delay the shutdown.
  return { close: () => release() };
}
