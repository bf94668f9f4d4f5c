// Answers to patients' replies and the slot offers of a reschedule. Client inside withTenant (or
// a transaction whose tenant is set).
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { type ReplyKind } from '../domain/texts';

const replyRow = z.object({
  id: z.string(),
  appointment_id: z.string(),
  reminder_id: z.string().nullable(),
  kind: z.enum(['confirmed', 'cancelled', 'rescheduled', 'slot_offer', 'no_slots', 'stale_cancelled', 'stale_moved', 'slot_taken']),
  conversation_id: z.string(),
  offer_id: z.string().nullable(),
  created_at: z.date(),
});
export type ReplyRow = z.infer<typeof replyRow>;

export async function insertReply(
  db: Queryable,
  tenantId: string,
  reply: { id: string; appointmentId: string; reminderId: string | null; kind: ReplyKind; conversationId: string; offerId: string | null; at: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.replies (tenant_id, id, appointment_id, reminder_id, kind, conversation_id, offer_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [tenantId, reply.id, reply.appointmentId, reply.reminderId, reply.kind, reply.conversationId, reply.offerId, reply.at],
  );
}

export async function getReply(db: Queryable, tenantId: string, id: string): Promise<ReplyRow | undefined> {
  const { rows } = await db.query(
    'SELECT id, appointment_id, reminder_id, kind, conversation_id, offer_id, created_at FROM scheduling.replies WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return rows[0] === undefined ? undefined : replyRow.parse(rows[0]);
}

export async function markReplySent(db: Queryable, tenantId: string, id: string, messageId: string): Promise<void> {
  await db.query('UPDATE scheduling.replies SET message_id = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, id, messageId]);
}

export const offeredSlot = z.object({ clinicianId: z.string(), startsAt: z.string() });
export type OfferedSlot = z.infer<typeof offeredSlot>;

const offerRow = z.object({
  id: z.string(),
  appointment_id: z.string(),
  slots: z.array(offeredSlot),
  conversation_id: z.string(),
  used_at: z.date().nullable(),
  created_at: z.date(),
});
export type OfferRow = z.infer<typeof offerRow>;

export async function insertOffer(
  db: Queryable,
  tenantId: string,
  offer: { id: string; appointmentId: string; slots: OfferedSlot[]; conversationId: string; at: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.slot_offers (tenant_id, id, appointment_id, slots, conversation_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [tenantId, offer.id, offer.appointmentId, JSON.stringify(offer.slots), offer.conversationId, offer.at],
  );
}

export async function getOffer(db: Queryable, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<OfferRow | undefined> {
  const { rows } = await db.query(
    `SELECT id, appointment_id, slots, conversation_id, used_at, created_at FROM scheduling.slot_offers WHERE tenant_id = $1 AND id = $2${options.forUpdate === true ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return rows[0] === undefined ? undefined : offerRow.parse(rows[0]);
}

export async function markOfferUsed(db: Queryable, tenantId: string, id: string, at: Date): Promise<void> {
  await db.query('UPDATE scheduling.slot_offers SET used_at = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, id, at]);
}
