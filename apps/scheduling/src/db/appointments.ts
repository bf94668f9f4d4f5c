// Appointments. Functions take a client inside withTenant (see calendar.ts for the conventions).
// The database refuses double bookings (exclusion constraint): callers translate 23P01 with
// isDoubleBooking, inside a savepoint when the transaction must go on.
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { APPOINTMENT_STATES, type AppointmentStateName, type ModeName } from '../domain/states';
import { bytes, nullableBytes } from './rows';

const appointmentRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  clinic_id: z.string(),
  clinician_id: z.string(),
  appointment_type_id: z.string(),
  mode: z.enum(['in_person', 'video']),
  starts_at: z.date(),
  ends_at: z.date(),
  state: z.enum(APPOINTMENT_STATES),
  patient_id: z.string().nullable(),
  wa_id_hash: z.string(),
  wa_id_sealed: bytes,
  display_name_sealed: nullableBytes,
  language: z.string(),
  phone_number_id: z.string(),
  external_id: z.string().nullable(),
  confirmed_at: z.date().nullable(),
  moved_at: z.date().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type AppointmentRow = z.infer<typeof appointmentRow>;

const COLUMNS = `id, tenant_id, clinic_id, clinician_id, appointment_type_id, mode, starts_at, ends_at, state, patient_id,
  wa_id_hash, wa_id_sealed, display_name_sealed, language, phone_number_id, external_id, confirmed_at, moved_at, created_at, updated_at`;

export interface NewAppointment {
  id: string;
  tenantId: string;
  clinicId: string;
  clinicianId: string;
  appointmentTypeId: string;
  mode: ModeName;
  startsAt: Date;
  endsAt: Date;
  state: AppointmentStateName;
  patientId: string | null;
  waIdHash: string;
  waIdSealed: Uint8Array;
  displayNameSealed: Uint8Array | null;
  language: string;
  phoneNumberId: string;
  externalId: string | null;
  idempotencyKey: string | null;
  at: Date;
}

export async function insertAppointment(db: Queryable, a: NewAppointment): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.appointments (tenant_id, id, clinic_id, clinician_id, appointment_type_id, mode, starts_at, ends_at,
       state, patient_id, wa_id_hash, wa_id_sealed, display_name_sealed, language, phone_number_id, external_id,
       idempotency_key, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
    [
      a.tenantId, a.id, a.clinicId, a.clinicianId, a.appointmentTypeId, a.mode, a.startsAt, a.endsAt, a.state, a.patientId,
      a.waIdHash, a.waIdSealed, a.displayNameSealed, a.language, a.phoneNumberId, a.externalId, a.idempotencyKey, a.at,
    ],
  );
}

export async function getAppointment(
  db: Queryable,
  tenantId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<AppointmentRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM scheduling.appointments WHERE tenant_id = $1 AND id = $2${options.forUpdate === true ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return rows[0] === undefined ? undefined : appointmentRow.parse(rows[0]);
}

export async function findByKey(
  db: Queryable,
  tenantId: string,
  key: { externalId?: string; idempotencyKey?: string },
): Promise<AppointmentRow | undefined> {
  const column = key.externalId === undefined ? 'idempotency_key' : 'external_id';
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM scheduling.appointments WHERE tenant_id = $1 AND ${column} = $2 FOR UPDATE`, [
    tenantId,
    key.externalId ?? key.idempotencyKey,
  ]);
  return rows[0] === undefined ? undefined : appointmentRow.parse(rows[0]);
}

export async function updateAppointment(
  db: Queryable,
  tenantId: string,
  id: string,
  change: {
    state?: AppointmentStateName;
    startsAt?: Date;
    endsAt?: Date;
    clinicianId?: string;
    clinicId?: string;
    confirmedAt?: Date | null;
    noShowAutomatic?: boolean;
    moved?: boolean;
    at: Date;
  },
): Promise<AppointmentRow> {
  const { rows } = await db.query(
    `UPDATE scheduling.appointments SET
        state = COALESCE($3, state), starts_at = COALESCE($4, starts_at), ends_at = COALESCE($5, ends_at),
        clinician_id = COALESCE($6, clinician_id), clinic_id = COALESCE($7, clinic_id),
        confirmed_at = CASE WHEN $8::boolean THEN $9 ELSE confirmed_at END,
        no_show_automatic = COALESCE($10, no_show_automatic), updated_at = $11,
        moved_at = CASE WHEN $12::boolean THEN $11 ELSE moved_at END
      WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [
      tenantId, id, change.state ?? null, change.startsAt ?? null, change.endsAt ?? null, change.clinicianId ?? null,
      change.clinicId ?? null, change.confirmedAt !== undefined, change.confirmedAt ?? null, change.noShowAutomatic ?? null, change.at,
      change.moved === true,
    ],
  );
  return appointmentRow.parse(rows[0]);
}

export async function listAppointments(
  db: Queryable,
  tenantId: string,
  filter: { clinicId?: string; clinicianId?: string; from: Date; to: Date; limit: number },
): Promise<AppointmentRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM scheduling.appointments
      WHERE tenant_id = $1 AND ($2::uuid IS NULL OR clinic_id = $2) AND ($3::uuid IS NULL OR clinician_id = $3)
        AND starts_at >= $4 AND starts_at < $5
      ORDER BY starts_at, id LIMIT $6`,
    [tenantId, filter.clinicId ?? null, filter.clinicianId ?? null, filter.from, filter.to, filter.limit],
  );
  return rows.map((row) => appointmentRow.parse(row));
}

/** Active appointments of the clinicians overlapping [from, to): their busy times. */
export async function busyTimes(
  db: Queryable,
  tenantId: string,
  clinicianIds: readonly string[],
  from: Date,
  to: Date,
): Promise<{ clinician_id: string; starts_at: Date; ends_at: Date }[]> {
  const { rows } = await db.query(
    `SELECT clinician_id, starts_at, ends_at FROM scheduling.appointments
      WHERE tenant_id = $1 AND clinician_id = ANY($2) AND state IN ('booked', 'confirmed', 'rescheduled')
        AND starts_at < $4 AND ends_at > $3`,
    [tenantId, [...clinicianIds], from, to],
  );
  return rows.map((row) => z.object({ clinician_id: z.string(), starts_at: z.date(), ends_at: z.date() }).parse(row));
}

/** Runs `fn` in a savepoint: a constraint violation inside rolls back only `fn`'s work. */
export async function inSavepoint<T>(db: Queryable, fn: () => Promise<T>): Promise<T> {
  await db.query('SAVEPOINT attempt');
  try {
    const result = await fn();
    await db.query('RELEASE SAVEPOINT attempt');
    return result;
  } catch (error) {
    await db.query('ROLLBACK TO SAVEPOINT attempt');
    throw error;
  }
}
