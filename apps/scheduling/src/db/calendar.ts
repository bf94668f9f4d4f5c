// Sites, clinics, clinicians, appointment types and working hours. Every function takes a client
// inside withTenant and the tenant id: RLS limits rows to the tenant, and the explicit predicate
// keeps each query on the (tenant_id, …) keys.
import { type Queryable } from '@careline/db';
import { z } from 'zod';

const siteRow = z.object({ id: z.string(), name: z.string(), time_zone: z.string() });
const clinicRow = z.object({ id: z.string(), site_id: z.string(), name: z.string() });
const clinicianRow = z.object({ id: z.string(), clinic_id: z.string(), display_name: z.string() });
const typeRow = z.object({
  id: z.string(),
  name: z.string(),
  mode: z.enum(['in_person', 'video']),
  duration_minutes: z.number().int(),
});
export type SiteRow = z.infer<typeof siteRow>;
export type ClinicRow = z.infer<typeof clinicRow>;
export type ClinicianRow = z.infer<typeof clinicianRow>;
export type AppointmentTypeRow = z.infer<typeof typeRow>;

export async function upsertSite(db: Queryable, tenantId: string, site: SiteRow, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.sites (tenant_id, id, name, time_zone, updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, id) DO UPDATE SET name = EXCLUDED.name, time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at`,
    [tenantId, site.id, site.name, site.time_zone, at],
  );
}

export async function upsertClinic(db: Queryable, tenantId: string, clinic: ClinicRow, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.clinics (tenant_id, id, site_id, name, updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, id) DO UPDATE SET site_id = EXCLUDED.site_id, name = EXCLUDED.name, updated_at = EXCLUDED.updated_at`,
    [tenantId, clinic.id, clinic.site_id, clinic.name, at],
  );
}

export async function upsertClinician(db: Queryable, tenantId: string, clinician: ClinicianRow, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.clinicians (tenant_id, id, clinic_id, display_name, updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, id) DO UPDATE SET clinic_id = EXCLUDED.clinic_id, display_name = EXCLUDED.display_name, updated_at = EXCLUDED.updated_at`,
    [tenantId, clinician.id, clinician.clinic_id, clinician.display_name, at],
  );
}

export async function upsertAppointmentType(db: Queryable, tenantId: string, type: AppointmentTypeRow, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.appointment_types (tenant_id, id, name, mode, duration_minutes, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, id) DO UPDATE SET name = EXCLUDED.name, mode = EXCLUDED.mode,
       duration_minutes = EXCLUDED.duration_minutes, updated_at = EXCLUDED.updated_at`,
    [tenantId, type.id, type.name, type.mode, type.duration_minutes, at],
  );
}

export async function findSite(db: Queryable, tenantId: string, id: string): Promise<SiteRow | undefined> {
  const { rows } = await db.query('SELECT id, name, time_zone FROM scheduling.sites WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return rows[0] === undefined ? undefined : siteRow.parse(rows[0]);
}

export async function findClinic(db: Queryable, tenantId: string, id: string): Promise<ClinicRow | undefined> {
  const { rows } = await db.query('SELECT id, site_id, name FROM scheduling.clinics WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return rows[0] === undefined ? undefined : clinicRow.parse(rows[0]);
}

export async function findAppointmentType(db: Queryable, tenantId: string, id: string): Promise<AppointmentTypeRow | undefined> {
  const { rows } = await db.query(
    'SELECT id, name, mode, duration_minutes FROM scheduling.appointment_types WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return rows[0] === undefined ? undefined : typeRow.parse(rows[0]);
}

const clinicianPlaceRow = clinicianRow.extend({ clinic_name: z.string(), time_zone: z.string() });
export type ClinicianPlace = z.infer<typeof clinicianPlaceRow>;

/** Clinicians with their clinic's name and site's zone: of one clinic, or the given ids. */
export async function findClinicians(
  db: Queryable,
  tenantId: string,
  filter: { clinicId?: string; clinicianIds?: readonly string[] },
): Promise<ClinicianPlace[]> {
  const { rows } = await db.query(
    `SELECT c.id, c.clinic_id, c.display_name, k.name AS clinic_name, s.time_zone
       FROM scheduling.clinicians c
       JOIN scheduling.clinics k ON k.tenant_id = c.tenant_id AND k.id = c.clinic_id
       JOIN scheduling.sites s ON s.tenant_id = k.tenant_id AND s.id = k.site_id
      WHERE c.tenant_id = $1 AND ($2::uuid IS NULL OR c.clinic_id = $2) AND ($3::uuid[] IS NULL OR c.id = ANY($3))
      ORDER BY c.id`,
    [tenantId, filter.clinicId ?? null, filter.clinicianIds === undefined ? null : [...filter.clinicianIds]],
  );
  return rows.map((row) => clinicianPlaceRow.parse(row));
}

const hoursRow = z.object({ clinician_id: z.string(), weekday: z.number().int(), start_min: z.number().int(), end_min: z.number().int() });
const exceptionRow = z.object({
  clinician_id: z.string(),
  day: z.string(),
  start_min: z.number().int().nullable(),
  end_min: z.number().int().nullable(),
});

export interface WorkingTimes {
  hours: z.infer<typeof hoursRow>[];
  exceptions: z.infer<typeof exceptionRow>[];
}

export async function loadWorkingTimes(db: Queryable, tenantId: string, clinicianIds: readonly string[]): Promise<WorkingTimes> {
  const hours = await db.query(
    `SELECT clinician_id, weekday,
            (extract(epoch FROM start_time) / 60)::int AS start_min, (extract(epoch FROM end_time) / 60)::int AS end_min
       FROM scheduling.working_hours WHERE tenant_id = $1 AND clinician_id = ANY($2)`,
    [tenantId, [...clinicianIds]],
  );
  const exceptions = await db.query(
    `SELECT clinician_id, to_char(day, 'YYYY-MM-DD') AS day,
            (extract(epoch FROM start_time) / 60)::int AS start_min, (extract(epoch FROM end_time) / 60)::int AS end_min
       FROM scheduling.working_exceptions WHERE tenant_id = $1 AND clinician_id = ANY($2)`,
    [tenantId, [...clinicianIds]],
  );
  return {
    hours: hours.rows.map((row) => hoursRow.parse(row)),
    exceptions: exceptions.rows.map((row) => exceptionRow.parse(row)),
  };
}

export async function replaceWorkingTimes(
  db: Queryable,
  tenantId: string,
  clinicianId: string,
  hours: readonly { weekday: number; start: string; end: string }[],
  exceptions: readonly { date: string; start: string | null; end: string | null }[],
): Promise<void> {
  await db.query('DELETE FROM scheduling.working_hours WHERE tenant_id = $1 AND clinician_id = $2', [tenantId, clinicianId]);
  await db.query('DELETE FROM scheduling.working_exceptions WHERE tenant_id = $1 AND clinician_id = $2', [tenantId, clinicianId]);
  for (const h of hours) {
    await db.query(
      'INSERT INTO scheduling.working_hours (tenant_id, clinician_id, weekday, start_time, end_time) VALUES ($1, $2, $3, $4, $5)',
      [tenantId, clinicianId, h.weekday, h.start, h.end],
    );
  }
  for (const e of exceptions) {
    await db.query(
      'INSERT INTO scheduling.working_exceptions (tenant_id, clinician_id, day, start_time, end_time) VALUES ($1, $2, $3, $4, $5)',
      [tenantId, clinicianId, e.date, e.start, e.end],
    );
  }
}

// The lists below order by name then id, so equal names still come out in a stable order.

export async function listSites(db: Queryable, tenantId: string): Promise<SiteRow[]> {
  const { rows } = await db.query('SELECT id, name, time_zone FROM scheduling.sites WHERE tenant_id = $1 ORDER BY name, id', [tenantId]);
  return rows.map((row) => siteRow.parse(row));
}

export async function listClinics(db: Queryable, tenantId: string, filter: { siteId?: string }): Promise<ClinicRow[]> {
  const { rows } = await db.query(
    'SELECT id, site_id, name FROM scheduling.clinics WHERE tenant_id = $1 AND ($2::uuid IS NULL OR site_id = $2) ORDER BY name, id',
    [tenantId, filter.siteId ?? null],
  );
  return rows.map((row) => clinicRow.parse(row));
}

export async function listClinicians(db: Queryable, tenantId: string, filter: { clinicId?: string }): Promise<ClinicianRow[]> {
  const { rows } = await db.query(
    `SELECT id, clinic_id, display_name FROM scheduling.clinicians
      WHERE tenant_id = $1 AND ($2::uuid IS NULL OR clinic_id = $2) ORDER BY display_name, id`,
    [tenantId, filter.clinicId ?? null],
  );
  return rows.map((row) => clinicianRow.parse(row));
}

export async function listAppointmentTypes(db: Queryable, tenantId: string): Promise<AppointmentTypeRow[]> {
  const { rows } = await db.query(
    'SELECT id, name, mode, duration_minutes FROM scheduling.appointment_types WHERE tenant_id = $1 ORDER BY name, id',
    [tenantId],
  );
  return rows.map((row) => typeRow.parse(row));
}
