// The tenant directory's tables (migrations/0004_tenant_directory.sql): tenants, teams, staff and
// their team memberships. Every function but listAllTenants takes a client inside withTenant, so
// row-level security limits each statement to that tenant.
import { type Pool, type Queryable, withTransaction } from '@careline/db';
import { z } from 'zod';
import { SCHEMA } from '../config';

// Qualified: the service role's search_path need not name the schema.
const TENANTS = `${SCHEMA}.tenants`;
const TEAMS = `${SCHEMA}.teams`;
const STAFF = `${SCHEMA}.staff`;
const STAFF_TEAMS = `${SCHEMA}.staff_teams`;

const tenantRow = z.object({
  tenant_id: z.string(),
  name: z.string(),
  time_zone: z.string(),
  default_language: z.string(),
  status: z.enum(['active', 'suspended']),
  created_at: z.date(),
  updated_at: z.date(),
});
export type TenantRow = z.infer<typeof tenantRow>;
export type TenantStatusValue = TenantRow['status'];

const teamRow = z.object({ id: z.string(), name: z.string(), created_at: z.date(), updated_at: z.date() });
export type TeamRow = z.infer<typeof teamRow>;

const staffRow = z.object({
  id: z.string(),
  subject: z.string(),
  display_name: z.string(),
  email: z.string().nullable(),
  roles: z.array(z.string()),
  team_ids: z.array(z.string()),
  active: z.boolean(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type StaffRow = z.infer<typeof staffRow>;

const TENANT_COLUMNS = 'tenant_id, name, time_zone, default_language, status, created_at, updated_at';
const STAFF_SELECT = `SELECT s.id, s.subject, s.display_name, s.email, s.roles, s.active, s.created_at, s.updated_at,
    coalesce((SELECT array_agg(st.team_id::text ORDER BY st.team_id) FROM ${STAFF_TEAMS} st
               WHERE st.tenant_id = s.tenant_id AND st.staff_id = s.id), '{}') AS team_ids
  FROM ${STAFF} s`;

/** Inserts the tenant; undefined when the id is taken. */
export async function insertTenant(
  db: Queryable,
  tenant: { tenantId: string; name: string; timeZone: string; defaultLanguage: string },
  at: Date,
): Promise<TenantRow | undefined> {
  const { rows } = await db.query(
    `INSERT INTO ${TENANTS} (tenant_id, name, time_zone, default_language, status, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'active', $5, $5) ON CONFLICT (tenant_id) DO NOTHING RETURNING ${TENANT_COLUMNS}`,
    [tenant.tenantId, tenant.name, tenant.timeZone, tenant.defaultLanguage, at],
  );
  return rows[0] === undefined ? undefined : tenantRow.parse(rows[0]);
}

export async function getTenant(db: Queryable, tenantId: string): Promise<TenantRow | undefined> {
  const { rows } = await db.query(`SELECT ${TENANT_COLUMNS} FROM ${TENANTS} WHERE tenant_id = $1`, [tenantId]);
  return rows[0] === undefined ? undefined : tenantRow.parse(rows[0]);
}

/**
 * Every tenant: the platform operator's ListTenants, and the only user of the
 * `platform_directory_read` policy (READ ONLY, flag set for this transaction only).
 */
export async function listAllTenants(pool: Pool): Promise<TenantRow[]> {
  return withTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION READ ONLY');
    await client.query("SELECT set_config('app.platform_directory', 'on', true)");
    const { rows } = await client.query(`SELECT ${TENANT_COLUMNS} FROM ${TENANTS} ORDER BY lower(name), tenant_id`);
    return rows.map((row) => tenantRow.parse(row));
  });
}

export async function updateTenant(
  db: Queryable,
  tenantId: string,
  patch: { name?: string; timeZone?: string; defaultLanguage?: string; status?: TenantStatusValue },
  at: Date,
): Promise<TenantRow | undefined> {
  const { rows } = await db.query(
    `UPDATE ${TENANTS} SET name = coalesce($2, name), time_zone = coalesce($3, time_zone),
            default_language = coalesce($4, default_language), status = coalesce($5, status), updated_at = $6
      WHERE tenant_id = $1 RETURNING ${TENANT_COLUMNS}`,
    [tenantId, patch.name ?? null, patch.timeZone ?? null, patch.defaultLanguage ?? null, patch.status ?? null, at],
  );
  return rows[0] === undefined ? undefined : tenantRow.parse(rows[0]);
}

/** Inserts a team; undefined when the name is taken in the tenant (any case). */
export async function insertTeam(db: Queryable, tenantId: string, team: { id: string; name: string }, at: Date): Promise<TeamRow | undefined> {
  const { rows } = await db.query(
    `INSERT INTO ${TEAMS} (tenant_id, id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (tenant_id, lower(name)) DO NOTHING RETURNING id, name, created_at, updated_at`,
    [tenantId, team.id, team.name, at],
  );
  return rows[0] === undefined ? undefined : teamRow.parse(rows[0]);
}

export async function listTeams(db: Queryable, tenantId: string): Promise<TeamRow[]> {
  const { rows } = await db.query(`SELECT id, name, created_at, updated_at FROM ${TEAMS} WHERE tenant_id = $1 ORDER BY lower(name), id`, [tenantId]);
  return rows.map((row) => teamRow.parse(row));
}

export async function findTeam(db: Queryable, tenantId: string, teamId: string): Promise<TeamRow | undefined> {
  const { rows } = await db.query(`SELECT id, name, created_at, updated_at FROM ${TEAMS} WHERE tenant_id = $1 AND id = $2`, [tenantId, teamId]);
  return rows[0] === undefined ? undefined : teamRow.parse(rows[0]);
}

export async function findTeamByName(db: Queryable, tenantId: string, name: string): Promise<TeamRow | undefined> {
  const { rows } = await db.query(`SELECT id, name, created_at, updated_at FROM ${TEAMS} WHERE tenant_id = $1 AND lower(name) = lower($2)`, [
    tenantId,
    name,
  ]);
  return rows[0] === undefined ? undefined : teamRow.parse(rows[0]);
}

export async function renameTeam(db: Queryable, tenantId: string, teamId: string, name: string, at: Date): Promise<TeamRow | undefined> {
  const { rows } = await db.query(
    `UPDATE ${TEAMS} SET name = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 RETURNING id, name, created_at, updated_at`,
    [tenantId, teamId, name, at],
  );
  return rows[0] === undefined ? undefined : teamRow.parse(rows[0]);
}

/** How many of the ids are teams of the tenant. */
export async function countTeams(db: Queryable, tenantId: string, teamIds: readonly string[]): Promise<number> {
  if (teamIds.length === 0) return 0;
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TEAMS} WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [
    tenantId,
    [...teamIds],
  ]);
  return rows[0]?.n ?? 0;
}

export async function findStaff(db: Queryable, tenantId: string, by: { id: string } | { subject: string }): Promise<StaffRow | undefined> {
  const [column, value] = 'id' in by ? ['id', by.id] : ['subject', by.subject];
  const { rows } = await db.query(`${STAFF_SELECT} WHERE s.tenant_id = $1 AND s.${column} = $2`, [tenantId, value]);
  return rows[0] === undefined ? undefined : staffRow.parse(rows[0]);
}

export async function listStaff(db: Queryable, tenantId: string, includeInactive: boolean): Promise<StaffRow[]> {
  const { rows } = await db.query(`${STAFF_SELECT} WHERE s.tenant_id = $1 AND (s.active OR $2) ORDER BY lower(s.display_name), s.id`, [
    tenantId,
    includeInactive,
  ]);
  return rows.map((row) => staffRow.parse(row));
}

export interface StaffValues {
  displayName: string;
  email: string | null;
  roles: readonly string[];
  active: boolean;
}

/** Inserts a member; undefined when the subject is already in the tenant (a concurrent upsert). */
export async function insertStaff(db: Queryable, tenantId: string, staff: StaffValues & { id: string; subject: string }, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO ${STAFF} (tenant_id, id, subject, display_name, email, roles, active, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (tenant_id, subject) DO NOTHING`,
    [tenantId, staff.id, staff.subject, staff.displayName, staff.email, [...staff.roles], staff.active, at],
  );
  return rowCount === 1;
}

export async function updateStaff(db: Queryable, tenantId: string, staffId: string, values: StaffValues, at: Date): Promise<void> {
  await db.query(
    `UPDATE ${STAFF} SET display_name = $3, email = $4, roles = $5, active = $6, updated_at = $7 WHERE tenant_id = $1 AND id = $2`,
    [tenantId, staffId, values.displayName, values.email, [...values.roles], values.active, at],
  );
}

export async function setStaffTeams(db: Queryable, tenantId: string, staffId: string, teamIds: readonly string[]): Promise<void> {
  await db.query(`DELETE FROM ${STAFF_TEAMS} WHERE tenant_id = $1 AND staff_id = $2`, [tenantId, staffId]);
  if (teamIds.length === 0) return;
  await db.query(
    `INSERT INTO ${STAFF_TEAMS} (tenant_id, staff_id, team_id) SELECT $1, $2, t FROM unnest($3::uuid[]) AS t ON CONFLICT DO NOTHING`,
    [tenantId, staffId, [...teamIds]],
  );
}
