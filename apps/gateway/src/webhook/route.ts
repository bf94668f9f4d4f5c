// Which tenants a verified webhook POST concerns, and the body each of them gets.
//
// Each change of the payload is routed on its own: by `value.metadata.phone_number_id` when it has
// one (messages, statuses), else by the entry's WABA id (account-level fields such as template
// status updates). A channel counts only when its app secret is the one that signed the POST: an
// app must not be able to post events for another app's numbers.
//
// The common case, one tenant owning every change, publishes the raw bytes exactly as Meta sent
// them. A POST that mixes tenants (or carries changes for numbers we do not know) is split: each
// tenant gets the same JSON reduced to its own changes, re-serialised the way Meta serialises
// (non-ASCII escaped), so no tenant's data is sealed for another (WebhookReceivedV1's contract).
import { type Channel, type ChannelRegistry } from '../channels/registry';

export interface TenantWebhook {
  tenantId: string;
  /** The bytes to seal and publish: the raw body, or the tenant's reduction of it. */
  body: Uint8Array;
  /** `metadata.phone_number_id`s of the tenant's changes, de-duplicated, in order. */
  phoneNumberIds: string[];
  /** `entry[].id`s of the tenant's entries, de-duplicated, in order. */
  wabaIds: string[];
}

export type WebhookRouting =
  | { kind: 'routed'; tenants: TenantWebhook[]; unknownPhoneNumberIds: string[]; unknownWabaIds: string[] }
  /** Some change names a number or account registered under another Meta app than the signer. */
  | { kind: 'app_mismatch'; phoneNumberIds: string[]; wabaIds: string[] };

interface Placement {
  entry: number;
  change: number;
  tenantId: string;
  phoneNumberId: string | undefined;
  wabaId: string | undefined;
}

/**
 * Routes a parsed, signature-checked payload. `raw` is the exact body, `signerSecret` the app secret
 * that verified it. Never throws: shapes it does not understand route nowhere.
 */
export function routeWebhook(json: unknown, raw: Uint8Array, registry: ChannelRegistry, signerSecret: string): WebhookRouting {
  const placements: Placement[] = [];
  const unknownNumbers = new Set<string>();
  const unknownWabas = new Set<string>();
  const mismatchedNumbers = new Set<string>();
  const mismatchedWabas = new Set<string>();
  let changeCount = 0;

  const entries = arrayAt(json, 'entry');
  entries.forEach((entry, entryIndex) => {
    const wabaId = stringAt(entry, 'id');
    arrayAt(entry, 'changes').forEach((change, changeIndex) => {
      changeCount += 1;
      const phoneNumberId = stringAt(propertyOf(propertyOf(change, 'value'), 'metadata'), 'phone_number_id');
      if (phoneNumberId !== undefined) {
        const channel = registry.byPhoneNumberId(phoneNumberId);
        if (channel === undefined) unknownNumbers.add(phoneNumberId);
        else if (!signedBy(channel, signerSecret)) mismatchedNumbers.add(phoneNumberId);
        else placements.push({ entry: entryIndex, change: changeIndex, tenantId: channel.tenantId, phoneNumberId, wabaId });
        return;
      }
      const channels = wabaId === undefined ? [] : registry.byWabaId(wabaId);
      const own = channels.filter((channel) => signedBy(channel, signerSecret));
      if (wabaId === undefined || channels.length === 0) {
        if (wabaId !== undefined) unknownWabas.add(wabaId);
      } else if (own[0] === undefined) {
        mismatchedWabas.add(wabaId);
      } else {
        // The registry guarantees one tenant per WABA.
        placements.push({ entry: entryIndex, change: changeIndex, tenantId: own[0].tenantId, phoneNumberId: undefined, wabaId });
      }
    });
  });

  if (mismatchedNumbers.size > 0 || mismatchedWabas.size > 0) {
    return { kind: 'app_mismatch', phoneNumberIds: [...mismatchedNumbers], wabaIds: [...mismatchedWabas] };
  }

  const byTenant = new Map<string, Placement[]>();
  for (const placement of placements) byTenant.set(placement.tenantId, [...(byTenant.get(placement.tenantId) ?? []), placement]);
  const whole = byTenant.size === 1 && placements.length === changeCount;

  const tenants = [...byTenant].map(([tenantId, own]): TenantWebhook => ({
    tenantId,
    body: whole ? raw : reduce(json, own),
    phoneNumberIds: unique(own.map((p) => p.phoneNumberId)),
    wabaIds: unique(own.map((p) => p.wabaId)),
  }));
  return { kind: 'routed', tenants, unknownPhoneNumberIds: [...unknownNumbers], unknownWabaIds: [...unknownWabas] };
}

function signedBy(channel: Channel, secret: string): boolean {
  // Not a secret comparison an attacker can time: `secret` is already one of ours (it verified
  // the HMAC), and this only tells which of our apps it was.
  return channel.appSecret === secret;
}

/** The payload with only the given changes (and the entries that hold them). */
function reduce(json: unknown, keep: readonly Placement[]): Uint8Array {
  const wanted = new Set(keep.map((p) => `${p.entry}:${p.change}`));
  const root = json as Record<string, unknown>;
  const entries = arrayAt(json, 'entry').flatMap((entry, entryIndex) => {
    const changes = arrayAt(entry, 'changes').filter((_, changeIndex) => wanted.has(`${entryIndex}:${changeIndex}`));
    return changes.length === 0 ? [] : [{ ...(entry as Record<string, unknown>), changes }];
  });
  return new TextEncoder().encode(toMetaStyleJson({ ...root, entry: entries }));
}

/** JSON with every non-ASCII UTF-16 unit escaped as `\uXXXX`, as Meta writes webhook bodies. */
export function toMetaStyleJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

function propertyOf(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function arrayAt(value: unknown, key: string): readonly unknown[] {
  const found = propertyOf(value, key);
  return Array.isArray(found) ? (found as unknown[]) : [];
}

function stringAt(value: unknown, key: string): string | undefined {
  const found = propertyOf(value, key);
  return typeof found === 'string' && found.length > 0 ? found : undefined;
}
