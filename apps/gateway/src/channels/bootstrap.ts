// GATEWAY_CHANNELS as a bootstrap: the configured channels are upserted into the registry table at
// start (each in its own tenant's transaction), so `npm start`, the tests and deployments that
// still configure numbers keep working. Onboarding through ChannelService is the normal path.
//
// Rules: a new number is inserted active; a known one gets the configured display number, WABA and
// credentials (written only when they differ, so a restart does not notify every instance), but
// keeps its status: a number an administrator disabled stays disabled. A number or WABA that
// belongs to another tenant stops the start with a line naming the id (never a credential).
//
// Not audited: this is deployment configuration applied by whoever controls the environment, not
// a caller's action; it is logged with the numbers' ids.
import { type Pool, withTenant } from '@careline/db';
import { type Logger } from '@careline/runtime';
import { type ChannelPatch, claimWaba, findChannel, insertChannel, updateChannel } from '../db/channels';
import { type CredentialBox } from './credentials';
import { type Channel } from './registry';

export class ChannelBootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelBootstrapError';
  }
}

export async function applyBootstrapChannels(options: {
  pool: Pool;
  box: CredentialBox;
  logger: Logger;
  channels: readonly Channel[];
  at: Date;
}): Promise<void> {
  const { pool, box, logger, at } = options;
  const inserted: string[] = [];
  const updated: string[] = [];
  for (const channel of options.channels) {
    await withTenant(pool, channel.tenantId, async (client) => {
      if (!(await claimWaba(client, channel.tenantId, channel.wabaId))) {
        throw new ChannelBootstrapError(`GATEWAY_CHANNELS: waba_id ${channel.wabaId} is registered to another tenant`);
      }
      const existing = await findChannel(client, channel.phoneNumberId);
      if (existing === undefined) {
        const row = await insertChannel(
          client,
          {
            phoneNumberId: channel.phoneNumberId,
            tenantId: channel.tenantId,
            displayPhoneNumber: channel.displayPhoneNumber,
            wabaId: channel.wabaId,
            accessToken: await box.seal(channel.tenantId, channel.phoneNumberId, 'accessToken', channel.accessToken),
            appSecret: await box.seal(channel.tenantId, channel.phoneNumberId, 'appSecret', channel.appSecret),
          },
          at,
        );
        // Invisible to this tenant yet present: another tenant's number.
        if (row === undefined) {
          throw new ChannelBootstrapError(`GATEWAY_CHANNELS: phone_number_id ${channel.phoneNumberId} is registered to another tenant`);
        }
        inserted.push(channel.phoneNumberId);
        return;
      }
      const patch: ChannelPatch = {};
      if (existing.displayPhoneNumber !== channel.displayPhoneNumber) patch.displayPhoneNumber = channel.displayPhoneNumber;
      if (existing.wabaId !== channel.wabaId) patch.wabaId = channel.wabaId;
      if ((await openOrUndefined(box, existing.tenantId, channel.phoneNumberId, 'accessToken', existing.accessToken)) !== channel.accessToken) {
        patch.accessToken = await box.seal(channel.tenantId, channel.phoneNumberId, 'accessToken', channel.accessToken);
      }
      if ((await openOrUndefined(box, existing.tenantId, channel.phoneNumberId, 'appSecret', existing.appSecret)) !== channel.appSecret) {
        patch.appSecret = await box.seal(channel.tenantId, channel.phoneNumberId, 'appSecret', channel.appSecret);
      }
      if (Object.keys(patch).length === 0) return;
      await updateChannel(client, channel.phoneNumberId, patch, at);
      updated.push(channel.phoneNumberId);
    });
  }
  logger.info({ inserted, updated, configured: options.channels.length }, 'GATEWAY_CHANNELS bootstrap applied');
}

async function openOrUndefined(
  box: CredentialBox,
  tenantId: string,
  phoneNumberId: string,
  field: 'accessToken' | 'appSecret',
  stored: Uint8Array,
): Promise<string | undefined> {
  try {
    return await box.open(tenantId, phoneNumberId, field, stored);
  } catch {
    // A value that no longer opens (say, after a master-key change) is simply replaced.
    return undefined;
  }
}
