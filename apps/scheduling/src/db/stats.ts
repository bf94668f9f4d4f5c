// No-show figures: finished appointments (attended or no-show) grouped by clinic, local day at the
// clinic's site, the last reminder stage sent before the start, and whether the patient confirmed.
import { type Queryable } from '@careline/db';
import { z } from 'zod';

const bucketRow = z.object({
  clinic_id: z.string(),
  day: z.string(),
  last_stage: z.string(),
  confirmed: z.boolean(),
  total: z.number().int(),
  no_shows: z.number().int(),
});
export type NoShowBucketRow = z.infer<typeof bucketRow>;

export async function noShowBuckets(db: Queryable, tenantId: string, filter: { from: Date; to: Date; clinicId?: string }): Promise<NoShowBucketRow[]> {
  const { rows } = await db.query(
    `SELECT a.clinic_id,
            to_char(a.starts_at AT TIME ZONE s.time_zone, 'YYYY-MM-DD') AS day,
            COALESCE(last.stage, 'none') AS last_stage,
            (a.confirmed_at IS NOT NULL) AS confirmed,
            count(*)::int AS total,
            count(*) FILTER (WHERE a.state = 'no_show')::int AS no_shows
       FROM scheduling.appointments a
       JOIN scheduling.clinics k ON k.tenant_id = a.tenant_id AND k.id = a.clinic_id
       JOIN scheduling.sites s ON s.tenant_id = k.tenant_id AND s.id = k.site_id
       LEFT JOIN LATERAL (
         SELECT r.stage FROM scheduling.reminders r
          WHERE r.tenant_id = a.tenant_id AND r.appointment_id = a.id AND r.state = 'sent'
          ORDER BY r.due_at DESC LIMIT 1
       ) last ON true
      WHERE a.tenant_id = $1 AND a.state IN ('attended', 'no_show') AND a.starts_at >= $2 AND a.starts_at < $3
        AND ($4::uuid IS NULL OR a.clinic_id = $4)
      GROUP BY 1, 2, 3, 4
      ORDER BY 1, 2, 3, 4`,
    [tenantId, filter.from, filter.to, filter.clinicId ?? null],
  );
  return rows.map((row) => bucketRow.parse(row));
}
