// Statuses that could not be matched to a message yet (see the migration). A status names its
// message by Careline id (from biz_opaque_callback_data), by wamid, or both.
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { type ReportedStatus, type StatusReport } from '../domain/status';

const pendingRow = z.object({
  status: z.enum(['sent', 'delivered', 'read', 'failed']),
  status_at: z.date(),
  error_code: z.string().nullable(),
  error_reason: z.string().nullable(),
});

export interface ParkedStatus {
  id: string;
  tenantId: string;
  messageId: string | null;
  wamid: string | null;
  report: StatusReport;
  parkedAt: Date;
}

export async function parkStatus(db: Queryable, parked: ParkedStatus): Promise<void> {
  await db.query(
    `INSERT INTO messaging.pending_statuses (id, tenant_id, message_id, wamid, status, status_at, error_code, error_reason, parked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      parked.id,
      parked.tenantId,
      parked.messageId,
      parked.wamid,
      parked.report.status,
      parked.report.at,
      parked.report.failure?.code ?? null,
      parked.report.failure?.reason ?? null,
      parked.parkedAt,
    ],
  );
}

/** Removes and returns the parked statuses of a message (by its id or its wamid). */
export async function takePendingStatuses(
  db: Queryable,
  tenantId: string,
  message: { id: string; wamid: string | null },
): Promise<StatusReport[]> {
  const { rows } = await db.query(
    `DELETE FROM messaging.pending_statuses
      WHERE tenant_id = $1 AND (message_id = $2 OR wamid = $3)
      RETURNING status, status_at, error_code, error_reason`,
    [tenantId, message.id, message.wamid],
  );
  return rows.map((row) => {
    const parsed = pendingRow.parse(row);
    const status: ReportedStatus = parsed.status;
    return parsed.error_code === null
      ? { status, at: parsed.status_at }
      : { status, at: parsed.status_at, failure: { code: parsed.error_code, reason: parsed.error_reason ?? '' } };
  });
}

/**
 * Serialises the work on one wamid across replicas for this transaction: a status that finds no
 * message and parks itself, and the gateway result that records the wamid and collects parked
 * statuses, must not interleave (each would miss the other's uncommitted row and the status would
 * stay parked for ever). Under READ COMMITTED the statements after the lock see what the other
 * transaction committed.
 */
export async function lockWamid(db: Queryable, tenantId: string, wamid: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`messaging:wamid:${tenantId}:${wamid}`]);
}
