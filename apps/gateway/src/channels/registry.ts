// The channel registry: which hospital WhatsApp numbers (channels) the gateway serves, for which
// tenant, with which credentials. The registry the app runs is database-backed
// (./database-registry.ts: Postgres, cached in memory, refreshed across instances); this file holds
// the interface, the in-memory snapshot both use, and the GATEWAY_CHANNELS bootstrap parser.
//
// Access tokens and app secrets live only here and in the Graph/signature calls that need them:
// they are never logged, never returned over gRPC, never put in an error message.
import { z } from 'zod';

export interface Channel {
  /** Meta's phone_number_id (digits). */
  phoneNumberId: string;
  /** The number as shown to patients. */
  displayPhoneNumber: string;
  /** The WhatsApp Business Account the number belongs to. */
  wabaId: string;
  /** The owning tenant (UUID, lower case). */
  tenantId: string;
  /** System-user token for the Graph API. Secret. */
  accessToken: string;
  /** The Meta app's secret that signs this number's webhooks. Secret. */
  appSecret: string;
}

export interface ChannelRegistry {
  byPhoneNumberId(phoneNumberId: string): Channel | undefined;
  /** The channels of a WhatsApp Business Account (account-level webhooks carry no phone number). */
  byWabaId(wabaId: string): readonly Channel[];
  /** Every distinct app secret, for webhook signature checks. */
  appSecrets(): readonly string[];
  all(): readonly Channel[];
}

/** An in-memory registry over a validated channel list. */
export function createStaticChannelRegistry(channels: readonly Channel[]): ChannelRegistry {
  const byNumber = new Map(channels.map((channel) => [channel.phoneNumberId, channel]));
  const byWaba = new Map<string, Channel[]>();
  for (const channel of channels) byWaba.set(channel.wabaId, [...(byWaba.get(channel.wabaId) ?? []), channel]);
  const secrets = [...new Set(channels.map((channel) => channel.appSecret))];
  const frozen = Object.freeze([...channels]);
  return {
    byPhoneNumberId: (phoneNumberId) => byNumber.get(phoneNumberId),
    byWabaId: (wabaId) => byWaba.get(wabaId) ?? [],
    appSecrets: () => secrets,
    all: () => frozen,
  };
}

/** Meta's ids (phone_number_id, WABA id): digits. */
export const META_ID = /^[0-9]{1,32}$/;
/** A display number as Meta shows it ("15550783881", "+44 20 7946 0000"). */
export const DISPLAY_PHONE_NUMBER = /^\+?[0-9 ()-]{3,32}$/;
/** Visible ASCII only: the token goes into an Authorization header, the secret into an HMAC. */
export const CREDENTIAL = /^[\x21-\x7e]{8,4096}$/;

const digits = z.string().regex(META_ID, { error: 'must be a string of digits' });
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { error: 'must be a UUID' });
const credential = z.string().regex(CREDENTIAL, { error: 'must be 8 to 4096 visible ASCII characters' });

const channelSchema = z.strictObject({
  phone_number_id: digits,
  display_phone_number: z.string().regex(DISPLAY_PHONE_NUMBER, { error: 'must be a phone number' }),
  waba_id: digits,
  tenant_id: uuid,
  access_token: credential,
  app_secret: credential,
});

export type ParsedChannels = { ok: true; channels: Channel[] } | { ok: false; problem: string };

/**
 * Parses and checks the registry's JSON (`GATEWAY_CHANNELS` / `GATEWAY_CHANNELS_FILE`): an array
 * of `{ phone_number_id, display_phone_number, waba_id, tenant_id, access_token, app_secret }`.
 * A problem is one line naming the entry and the field, never a value: the file holds secrets.
 */
export function parseChannels(text: string): ParsedChannels {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'is not valid JSON' };
  }
  if (!Array.isArray(json)) return { ok: false, problem: 'must be a JSON array of channels' };
  const channels: Channel[] = [];
  for (const [index, entry] of json.entries()) {
    const result = channelSchema.safeParse(entry);
    if (!result.success) return { ok: false, problem: `entry ${index}${describeIssue(entry, result.error.issues[0])}` };
    const c = result.data;
    channels.push({
      phoneNumberId: c.phone_number_id,
      displayPhoneNumber: c.display_phone_number,
      wabaId: c.waba_id,
      tenantId: c.tenant_id.toLowerCase(),
      accessToken: c.access_token,
      appSecret: c.app_secret,
    });
  }
  const seenNumbers = new Set<string>();
  const tenantOfWaba = new Map<string, string>();
  for (const [index, channel] of channels.entries()) {
    if (seenNumbers.has(channel.phoneNumberId)) {
      return { ok: false, problem: `entry ${index} phone_number_id ${channel.phoneNumberId} is listed twice` };
    }
    seenNumbers.add(channel.phoneNumberId);
    // Account-level webhooks are routed by WABA id, so a WABA must belong to one tenant.
    const owner = tenantOfWaba.get(channel.wabaId);
    if (owner !== undefined && owner !== channel.tenantId) {
      return { ok: false, problem: `entry ${index} waba_id ${channel.wabaId} belongs to two tenants` };
    }
    tenantOfWaba.set(channel.wabaId, channel.tenantId);
  }
  return { ok: true, channels };
}

/** " <field> <what is wrong>", from zod's first issue, without quoting any value. */
function describeIssue(entry: unknown, issue: z.core.$ZodIssue | undefined): string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return ' must be an object';
  if (issue === undefined) return ' is invalid';
  if (issue.code === 'unrecognized_keys') {
    // Key names are ours to show only when they look like field names (a value pasted as a key is not).
    const names = issue.keys.filter((key) => /^[a-z_]{1,40}$/.test(key));
    return ` has unknown fields${names.length > 0 ? ` (${names.join(', ')})` : ''}`;
  }
  const field = issue.path[0];
  if (typeof field !== 'string' || !(field in channelSchema.shape)) return ' is invalid';
  if (!(field in entry)) return ` ${field} is missing`;
  if (issue.code === 'invalid_type') return ` ${field} must be a ${issue.expected}`;
  return ` ${field} ${issue.message}`;
}
