// Onboarding of WhatsApp numbers: register, list, update (rotate credentials, change the display
// number, disable, enable). The tenant is always the caller's (metadata), never a request field;
// every query runs in withTenant, so another tenant's number is NOT_FOUND like an unknown one.
// Every change enqueues its audit event in the same transaction; a refusal for lack of the role is
// audited (denied) in its own committed transaction before the error is thrown.
import {
  type ChannelSummary,
  ChannelStatus,
  type ListChannelsResponse,
  type RegisterChannelRequest,
  type UpdateChannelRequest,
} from '@careline/contracts';
import { type Pool, withTenant } from '@careline/db';
import { type Logger, conflict, failedPrecondition, invalidArgument, notFound } from '@careline/runtime';
import { type ChannelPatch, type ChannelRow, claimWaba, findChannel, insertChannel, listChannels, updateChannel } from '../db/channels';
import { CHANNEL_AUDIT_ACTIONS, type ChannelAuditAction, recordChannelAudit } from './audit';
import { type ChannelAdmin, isChannelAdmin, tenantAdminRequired } from './caller';
import { type CredentialBox } from './credentials';
import { CREDENTIAL, DISPLAY_PHONE_NUMBER, META_ID } from './registry';

export interface ChannelAdminDeps {
  pool: Pool;
  box: CredentialBox;
  /** Reloads this instance's snapshot after a change (the others hear the NOTIFY). */
  refreshRegistry: () => Promise<void>;
  logger: Logger;
  clock: () => Date;
}

export function summaryOf(row: ChannelRow): ChannelSummary {
  // Field by field: the row's sealed credentials must never ride along.
  return {
    phoneNumberId: row.phoneNumberId,
    tenantId: row.tenantId,
    displayPhoneNumber: row.displayPhoneNumber,
    wabaId: row.wabaId,
    status: row.status === 'active' ? ChannelStatus.CHANNEL_STATUS_ACTIVE : ChannelStatus.CHANNEL_STATUS_DISABLED,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    credentialsUpdatedAt: row.credentialsUpdatedAt,
  };
}

function checkMetaId(field: 'phone_number_id' | 'waba_id', value: string): void {
  if (!META_ID.test(value)) throw invalidArgument(`invalid_${field}`, `${field} must be a string of digits.`);
}

function checkDisplay(value: string): void {
  if (!DISPLAY_PHONE_NUMBER.test(value)) {
    throw invalidArgument('invalid_display_phone_number', 'display_phone_number must be a phone number (digits, spaces, "+", "(", ")", "-").');
  }
}

function checkCredential(field: 'access_token' | 'app_secret', value: string): void {
  // The value is never quoted: it is a secret.
  if (!CREDENTIAL.test(value)) throw invalidArgument(`invalid_${field}`, `${field} must be 8 to 4096 visible ASCII characters.`);
}

function channelNotFound(phoneNumberId: string) {
  return notFound('channel_not_found', "No channel with this phone_number_id in the caller's tenant.", { details: { phoneNumberId } });
}

export function createChannelAdmin(deps: ChannelAdminDeps) {
  const { pool, box, clock } = deps;

  /** Refuses a caller without the role, leaving a `denied` audit record of the attempt. */
  async function authorize(caller: ChannelAdmin, action: ChannelAuditAction, phoneNumberId: string): Promise<void> {
    if (isChannelAdmin(caller)) return;
    await withTenant(pool, caller.tenantId, (client) =>
      recordChannelAudit(client, caller, { action, phoneNumberId, outcome: 'denied', detail: { reason: 'permission_denied' }, at: clock() }),
    );
    throw tenantAdminRequired();
  }

  async function afterChange(): Promise<void> {
    try {
      await deps.refreshRegistry();
    } catch (error) {
      // The change is committed; the NOTIFY and the poll will bring it in.
      deps.logger.warn({ err: error }, 'channel registry reload after a change failed');
    }
  }

  async function registerChannel(caller: ChannelAdmin, request: RegisterChannelRequest): Promise<ChannelSummary> {
    checkMetaId('phone_number_id', request.phoneNumberId);
    await authorize(caller, CHANNEL_AUDIT_ACTIONS.registered, request.phoneNumberId);
    checkMetaId('waba_id', request.wabaId);
    checkDisplay(request.displayPhoneNumber);
    checkCredential('access_token', request.accessToken);
    checkCredential('app_secret', request.appSecret);
    const at = clock();
    const row = await withTenant(pool, caller.tenantId, async (client) => {
      if (!(await claimWaba(client, caller.tenantId, request.wabaId))) {
        throw failedPrecondition('waba_owned_by_another_tenant', 'The WhatsApp Business Account is registered to another tenant.', {
          details: { wabaId: request.wabaId },
        });
      }
      const inserted = await insertChannel(
        client,
        {
          phoneNumberId: request.phoneNumberId,
          tenantId: caller.tenantId,
          displayPhoneNumber: request.displayPhoneNumber,
          wabaId: request.wabaId,
          accessToken: await box.seal(caller.tenantId, request.phoneNumberId, 'accessToken', request.accessToken),
          appSecret: await box.seal(caller.tenantId, request.phoneNumberId, 'appSecret', request.appSecret),
        },
        at,
      );
      if (inserted === undefined) {
        // The same answer whether the number is ours or another tenant's.
        throw conflict('channel_already_registered', 'This phone_number_id is already registered.', {
          details: { phoneNumberId: request.phoneNumberId },
        });
      }
      await recordChannelAudit(client, caller, {
        action: CHANNEL_AUDIT_ACTIONS.registered,
        phoneNumberId: inserted.phoneNumberId,
        outcome: 'success',
        detail: { waba_id: inserted.wabaId },
        at,
      });
      return inserted;
    });
    await afterChange();
    deps.logger.info({ tenant_id: caller.tenantId, phone_number_id: row.phoneNumberId, actor: caller.actor }, 'channel registered');
    return summaryOf(row);
  }

  async function listTenantChannels(caller: ChannelAdmin): Promise<ListChannelsResponse> {
    if (!isChannelAdmin(caller)) throw tenantAdminRequired();
    const rows = await withTenant(pool, caller.tenantId, (client) => listChannels(client));
    return { channels: rows.map(summaryOf) };
  }

  async function updateTenantChannel(caller: ChannelAdmin, request: UpdateChannelRequest): Promise<ChannelSummary> {
    checkMetaId('phone_number_id', request.phoneNumberId);
    await authorize(caller, CHANNEL_AUDIT_ACTIONS.updated, request.phoneNumberId);
    if (request.accessToken !== undefined) checkCredential('access_token', request.accessToken);
    if (request.appSecret !== undefined) checkCredential('app_secret', request.appSecret);
    if (request.displayPhoneNumber !== undefined) checkDisplay(request.displayPhoneNumber);
    const status =
      request.status === ChannelStatus.CHANNEL_STATUS_ACTIVE
        ? 'active'
        : request.status === ChannelStatus.CHANNEL_STATUS_DISABLED
          ? 'disabled'
          : request.status === ChannelStatus.CHANNEL_STATUS_UNSPECIFIED
            ? undefined
            : null;
    if (status === null) throw invalidArgument('invalid_status', 'status must be ACTIVE or DISABLED.');
    const at = clock();
    const row = await withTenant(pool, caller.tenantId, async (client) => {
      const existing = await findChannel(client, request.phoneNumberId);
      if (existing === undefined) throw channelNotFound(request.phoneNumberId);
      const patch: ChannelPatch = {};
      const rotated: string[] = [];
      if (request.accessToken !== undefined) {
        patch.accessToken = await box.seal(caller.tenantId, request.phoneNumberId, 'accessToken', request.accessToken);
        rotated.push('access_token');
      }
      if (request.appSecret !== undefined) {
        patch.appSecret = await box.seal(caller.tenantId, request.phoneNumberId, 'appSecret', request.appSecret);
        rotated.push('app_secret');
      }
      const displayChanged = request.displayPhoneNumber !== undefined && request.displayPhoneNumber !== existing.displayPhoneNumber;
      if (displayChanged) patch.displayPhoneNumber = request.displayPhoneNumber;
      const statusChanged = status !== undefined && status !== existing.status;
      if (statusChanged) patch.status = status;
      if (Object.keys(patch).length === 0) return existing;
      const updated = await updateChannel(client, request.phoneNumberId, patch, at);
      if (updated === undefined) throw channelNotFound(request.phoneNumberId);
      const audit = (action: ChannelAuditAction, detail: Record<string, string> = {}) =>
        recordChannelAudit(client, caller, { action, phoneNumberId: updated.phoneNumberId, outcome: 'success', detail, at });
      if (rotated.length > 0) await audit(CHANNEL_AUDIT_ACTIONS.credentialsRotated, { fields: rotated.join(',') });
      if (displayChanged) await audit(CHANNEL_AUDIT_ACTIONS.updated, { fields: 'display_phone_number' });
      if (statusChanged) await audit(status === 'disabled' ? CHANNEL_AUDIT_ACTIONS.disabled : CHANNEL_AUDIT_ACTIONS.enabled);
      return updated;
    });
    await afterChange();
    return summaryOf(row);
  }

  return { registerChannel, listChannels: listTenantChannels, updateChannel: updateTenantChannel };
}

export type ChannelAdminUseCases = ReturnType<typeof createChannelAdmin>;
