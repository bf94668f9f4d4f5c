// The hospital administration shapes (`/v1/admin/...`): the tenant, its WhatsApp numbers, teams and
// staff, and how they are made from the gateway's and messaging's protobuf messages.
//
// Request bodies are STRICT: an unknown field is refused, so a body naming a tenant (`tenantId`)
// is a 400, never silently ignored: the tenant is always the token's. Credentials (`accessToken`,
// `appSecret`) are write-only: they appear in request schemas only (marked `writeOnly`, no example),
// never in a response schema, so a response cannot carry them (responses are parsed by their schema).
import { ROLES } from '@careline/auth';
import {
  type ChannelSummary,
  ChannelStatus,
  type StaffMember,
  type Team,
  type Tenant,
  TenantStatus,
} from '@careline/contracts';
import { z } from 'zod';
import { dateTime, isoOrNull } from './common';

const metaId = (what: string) =>
  z
    .string()
    .regex(/^[0-9]{1,32}$/, { message: 'must be a string of digits' })
    .meta({ description: what });

const displayPhoneNumber = () =>
  z
    .string()
    .regex(/^\+?[0-9 ()-]{3,32}$/, { message: 'must be a phone number' })
    .meta({ description: 'The number as patients see it, e.g. "15550783881" or "+44 20 7946 0000".' });

// The rule, never the value, in the message: these are secrets.
const credential = (description: string) =>
  z
    .string()
    .regex(/^[\x21-\x7e]{8,4096}$/, { message: 'must be 8 to 4096 visible ASCII characters' })
    .meta({ description, writeOnly: true, format: 'password' });

const name = (max: number) => z.string().trim().min(1).max(max);

// ---- tenant ----------------------------------------------------------------------------------

export const tenantSchema = z
  .object({
    id: z.string().meta({ description: 'The tenant (hospital) id: the one in your token.' }),
    name: z.string(),
    timeZone: z.string().meta({ description: 'IANA time zone, e.g. Europe/Madrid.' }),
    defaultLanguage: z.string().meta({ description: 'Default language of patient-facing messages, e.g. en_US.' }),
    status: z.enum(['active', 'suspended']),
    createdAt: dateTime().nullable(),
    updatedAt: dateTime().nullable(),
  })
  .meta({ id: 'Tenant', description: 'The hospital the caller administers.' });
export type TenantView = z.output<typeof tenantSchema>;

export const tenantPatchSchema = z
  .strictObject({
    name: name(200).optional(),
    timeZone: z.string().min(1).max(64).optional().meta({ description: 'IANA time zone, e.g. Europe/Madrid.' }),
    defaultLanguage: z
      .string()
      .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, { message: 'must be a WhatsApp language code such as en_US or es' })
      .optional(),
  })
  .meta({ id: 'TenantPatch', description: 'Fields to change; the status is the platform operator\'s, not settable here.' });

export function toTenantView(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    timeZone: tenant.timeZone,
    defaultLanguage: tenant.defaultLanguage,
    status: tenant.status === TenantStatus.TENANT_STATUS_SUSPENDED ? 'suspended' : 'active',
    createdAt: isoOrNull(tenant.createdAt),
    updatedAt: isoOrNull(tenant.updatedAt),
  };
}

// ---- channels --------------------------------------------------------------------------------

export const channelSchema = z
  .object({
    phoneNumberId: z.string().meta({ description: "Meta's phone_number_id." }),
    displayPhoneNumber: z.string(),
    wabaId: z.string().meta({ description: 'The WhatsApp Business Account id.' }),
    status: z.enum(['active', 'disabled']),
    createdAt: dateTime().nullable(),
    updatedAt: dateTime().nullable(),
    credentialsUpdatedAt: dateTime().nullable().meta({ description: 'When the access token or app secret last changed.' }),
  })
  .meta({ id: 'Channel', description: 'A WhatsApp number of the hospital. Credentials are write-only and never returned.' });
export type ChannelView = z.output<typeof channelSchema>;

export const channelListSchema = z.object({ items: z.array(channelSchema) }).meta({ id: 'ChannelList' });

export const channelCreateSchema = z
  .strictObject({
    phoneNumberId: metaId("Meta's phone_number_id."),
    displayPhoneNumber: displayPhoneNumber(),
    wabaId: metaId('The WhatsApp Business Account id.'),
    accessToken: credential('The system-user access token for the Graph API. Write-only: stored sealed, never returned.'),
    appSecret: credential("The Meta app's secret that signs the number's webhooks. Write-only: stored sealed, never returned."),
  })
  .meta({ id: 'ChannelRegistration' });

export const channelPatchSchema = z
  .strictObject({
    accessToken: credential('A new access token (rotation). Write-only.').optional(),
    appSecret: credential('A new app secret (rotation). Write-only.').optional(),
    displayPhoneNumber: displayPhoneNumber().optional(),
    status: z.enum(['active', 'disabled']).optional().meta({ description: '`disabled`: webhooks for the number are dropped and nothing is sent from it.' }),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), { message: 'must change at least one field' })
  .meta({ id: 'ChannelPatch' });

export const channelParamsSchema = z.object({ phoneNumberId: metaId("Meta's phone_number_id.") });

export function toChannelView(channel: ChannelSummary): ChannelView {
  // Field by field, like the gateway: whatever else a summary might grow stays out.
  return {
    phoneNumberId: channel.phoneNumberId,
    displayPhoneNumber: channel.displayPhoneNumber,
    wabaId: channel.wabaId,
    status: channel.status === ChannelStatus.CHANNEL_STATUS_DISABLED ? 'disabled' : 'active',
    createdAt: isoOrNull(channel.createdAt),
    updatedAt: isoOrNull(channel.updatedAt),
    credentialsUpdatedAt: isoOrNull(channel.credentialsUpdatedAt),
  };
}

// ---- teams -----------------------------------------------------------------------------------

export const teamSchema = z
  .object({ id: z.string(), name: z.string(), createdAt: dateTime().nullable(), updatedAt: dateTime().nullable() })
  .meta({ id: 'Team', description: 'A group of staff conversations can be assigned to.' });
export type TeamView = z.output<typeof teamSchema>;
export const teamListSchema = z.object({ items: z.array(teamSchema) }).meta({ id: 'TeamList' });
export const teamCreateSchema = z.strictObject({ name: name(100).meta({ description: 'Unique in the hospital (any case).' }) }).meta({ id: 'TeamCreate' });
export const teamPatchSchema = z.strictObject({ name: name(100) }).meta({ id: 'TeamPatch' });
export const idParamsSchema = z.object({
  id: z.uuid().meta({ description: 'The id.' }),
});

export function toTeamView(team: Team): TeamView {
  return { id: team.id, name: team.name, createdAt: isoOrNull(team.createdAt), updatedAt: isoOrNull(team.updatedAt) };
}

// ---- staff -----------------------------------------------------------------------------------

const roles = () => z.array(z.enum(ROLES)).min(1).max(ROLES.length).meta({ description: 'Roles in this hospital.' });

export const staffSchema = z
  .object({
    id: z.string(),
    subject: z.string().meta({ description: "The identity provider's `sub` of the person." }),
    displayName: z.string(),
    email: z.string().nullable(),
    roles: z.array(z.string()),
    teamIds: z.array(z.string()),
    active: z.boolean(),
    createdAt: dateTime().nullable(),
    updatedAt: dateTime().nullable(),
  })
  .meta({ id: 'StaffMember', description: 'A person (or integration client) who signs in for the hospital.' });
export type StaffView = z.output<typeof staffSchema>;
export const staffListSchema = z.object({ items: z.array(staffSchema) }).meta({ id: 'StaffList' });

export const staffCreateSchema = z
  .strictObject({
    subject: z.string().regex(/^[\x21-\x7e]{1,255}$/, { message: 'must be 1 to 255 visible ASCII characters' }),
    displayName: name(200),
    email: z.email().max(320).optional(),
    roles: roles(),
    teamIds: z.array(z.uuid()).max(100).optional(),
  })
  .meta({ id: 'StaffCreate', description: 'Adds a member (or updates the one with this subject).' });

export const staffPatchSchema = z
  .strictObject({
    displayName: name(200).optional(),
    email: z.email().max(320).nullable().optional().meta({ description: 'null clears it.' }),
    roles: roles().optional(),
    teamIds: z.array(z.uuid()).max(100).optional(),
    active: z.boolean().optional().meta({ description: '`false` deactivates the member (kept for the audit trail); `true` re-activates.' }),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), { message: 'must change at least one field' })
  .meta({ id: 'StaffPatch' });

export const staffQuerySchema = z.object({
  includeInactive: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .meta({ description: 'Include deactivated members.' }),
});

export function toStaffView(staff: StaffMember): StaffView {
  return {
    id: staff.id,
    subject: staff.subject,
    displayName: staff.displayName,
    email: staff.email === '' ? null : staff.email,
    roles: staff.roles,
    teamIds: staff.teamIds,
    active: staff.active,
    createdAt: isoOrNull(staff.createdAt),
    updatedAt: isoOrNull(staff.updatedAt),
  };
}
