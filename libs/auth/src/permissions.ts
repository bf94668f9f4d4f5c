// Roles and the permission table. The table is the single source of truth: `api` checks it, the
// console reads it (through `api`) to show or hide actions, and the tests iterate it.
import { AuthError } from './errors';
import type { Principal } from './principal';

export const ROLES = ['admin', 'clinician', 'nurse', 'front_desk', 'auditor', 'integration'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The platform operator: whoever runs the Careline deployment (onboarding hospitals with the admin
 * CLI over gRPC). Not a tenant role: it is not in ROLES, so the api's token verifier refuses any
 * token that carries it and no staff member can ever hold it. Services accept it only from callers
 * inside the cluster (the gRPC ports are not exposed), for the few cross-tenant operations.
 */
export const PLATFORM_OPERATOR_ROLE = 'platform_operator';

/** Whether the caller's roles (as they arrive in gRPC metadata) include the platform operator. */
export function isPlatformOperator(roles: readonly string[]): boolean {
  return roles.includes(PLATFORM_OPERATOR_ROLE);
}

/*
 * Minimum necessary (HIPAA 164.502(b)): `admin` runs the tenant (numbers, templates, staff, settings)
 * and reads the audit log, but does not read clinical content; `auditor` only reads the audit log;
 * `front_desk` handles the inbox, patients and appointments but not documents; releasing results
 * is clinical (`clinician`, `nurse`) or done by the lab system (`integration`). `integration` is a
 * system caller (EHR, lab, call centre) and never chats with patients.
 */
const table = {
  'conversations:read': ['clinician', 'nurse', 'front_desk'],
  'messages:send': ['clinician', 'nurse', 'front_desk'],
  'conversations:assign': ['clinician', 'nurse', 'front_desk'],
  // marking a sensitive patient's conversation restricted (break-glass needed to open it)
  'conversations:restrict': ['admin', 'clinician'],
  'patients:read': ['clinician', 'nurse', 'front_desk', 'integration'],
  'patients:write': ['clinician', 'nurse', 'front_desk', 'integration'],
  'appointments:read': ['clinician', 'nurse', 'front_desk', 'integration'],
  'appointments:write': ['clinician', 'nurse', 'front_desk', 'integration'],
  // the calendar set-up (sites, clinics, clinicians, appointment types, working hours): the
  // hospital's admin, the front desk who keep the clinics' diaries, and an EHR that owns them
  'scheduling:configure': ['admin', 'front_desk', 'integration'],
  'documents:read': ['clinician', 'nurse'],
  'documents:share': ['clinician', 'nurse', 'integration'],
  'audit:read': ['admin', 'auditor'],
  'tenant:admin': ['admin'],
  // who may open a restricted conversation in an emergency, with a reason, for a limited time
  // (messaging's BreakGlass; the grant is kept and checked by the service that holds the records)
  break_glass: ['clinician', 'nurse'],
  // erasing a patient's messaging data (messages, media, notes; their data key destroyed) on a
  // request or by law: irreversible, so the tenant's admin alone (issue 7; never the clinical record)
  'patients:erase': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof table;

/** permission → roles that hold it (frozen: nothing may widen it at runtime) */
export const PERMISSIONS: { readonly [P in Permission]: readonly Role[] } = Object.freeze(
  Object.fromEntries(
    Object.entries(table).map(([permission, roles]) => [permission, Object.freeze([...roles])]),
  ) as {
    [P in Permission]: readonly Role[];
  },
);

export const PERMISSION_NAMES = Object.freeze(Object.keys(PERMISSIONS) as Permission[]);

function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}

function rolesGrant(roles: readonly Role[], permission: Permission): boolean {
  const allowed = PERMISSIONS[permission];
  return roles.some((role) => allowed.includes(role));
}

/** Every permission the roles hold, in table order (e.g. for `GET /v1/me` and the console). */
export function permissionsForRoles(roles: readonly Role[]): Permission[] {
  return PERMISSION_NAMES.filter((permission) => rolesGrant(roles, permission));
}

/**
 * Whether the principal's roles grant the permission. Tenant separation is not decided here: a
 * principal acts only in `principal.tenantId`. Break-glass never adds permissions either: it
 * widens which records a permission reaches (a restricted conversation), and the service holding
 * the records keeps and checks the grant (messaging's BreakGlass).
 */
export function can(principal: Pick<Principal, 'roles'>, permission: Permission): boolean {
  // callers may pass strings from outside despite the type; unknown names are never granted
  return isPermission(permission) && rolesGrant(principal.roles, permission);
}

/** Throws AuthError `permission_denied` unless `can(principal, permission)`. */
export function requirePermission(principal: Pick<Principal, 'roles'>, permission: Permission): void {
  if (!can(principal, permission)) {
    throw new AuthError('permission_denied', `permission ${permission} is required`, { permission });
  }
}
