// Booking in chat: the flow's state, its outgoing messages and the tenant's phrases. Client inside
// withTenant (or a transaction whose tenant is set).
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { type BookingKeywords, bookingKeywordsSchema } from '../domain/booking-chat';

export const bookingStep = z.enum(['type', 'slot', 'confirm', 'booked', 'staff']);
export type BookingStep = z.infer<typeof bookingStep>;

export const bookingChoices = z.object({
  /** the rows of the type list, in order */
  options: z.array(z.object({ typeId: z.string(), clinicId: z.string() })),
  typeId: z.string().optional(),
  clinicId: z.string().optional(),
  /** the rows of the slot list, in order */
  slots: z.array(z.object({ clinicianId: z.string(), startsAt: z.string() })).optional(),
  slot: z.number().int().optional(),
  appointmentId: z.string().optional(),
});
export type BookingChoices = z.infer<typeof bookingChoices>;

const bookingRow = z.object({
  tenant_id: z.string(),
  wa_id_hash: z.string(),
  id: z.string(),
  phone_number_id: z.string(),
  conversation_id: z.string(),
  language: z.string(),
  step: bookingStep,
  choices: bookingChoices,
  expires_at: z.date(),
});
export type ChatBookingRow = z.infer<typeof bookingRow>;

const COLUMNS = 'tenant_id, wa_id_hash, id, phone_number_id, conversation_id, language, step, choices, expires_at';

/** Starts (or restarts, under a new id) the patient's flow. */
export async function startBooking(
  db: Queryable,
  row: { tenantId: string; waIdHash: string; id: string; phoneNumberId: string; conversationId: string; language: string; choices: BookingChoices; expiresAt: Date; at: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.chat_bookings (tenant_id, wa_id_hash, id, phone_number_id, conversation_id, language, step, choices, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'type', $7, $8, $9, $9)
     ON CONFLICT (tenant_id, wa_id_hash) DO UPDATE SET id = EXCLUDED.id, phone_number_id = EXCLUDED.phone_number_id,
       conversation_id = EXCLUDED.conversation_id, language = EXCLUDED.language, step = 'type', choices = EXCLUDED.choices,
       expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at`,
    [row.tenantId, row.waIdHash, row.id, row.phoneNumberId, row.conversationId, row.language, JSON.stringify(row.choices), row.expiresAt, row.at],
  );
}

/** The flow by id, locked: two taps of one patient are handled one after the other. */
export async function getBooking(db: Queryable, tenantId: string, id: string): Promise<ChatBookingRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM scheduling.chat_bookings WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
  return rows[0] === undefined ? undefined : bookingRow.parse(rows[0]);
}

export async function updateBooking(db: Queryable, tenantId: string, id: string, change: { step: BookingStep; choices: BookingChoices; at: Date }): Promise<void> {
  await db.query('UPDATE scheduling.chat_bookings SET step = $3, choices = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
    change.step,
    JSON.stringify(change.choices),
    change.at,
  ]);
}

/**
 * The messaging conversation scheduling last wrote to this patient on this number in (a reminder,
 * an answer, an earlier flow). Messaging keeps one conversation per (tenant, number, patient); an
 * appointment booked without a number ('') was reminded from the tenant's default number.
 */
export async function knownConversation(db: Queryable, tenantId: string, waIdHash: string, phoneNumberId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ conversation_id: string }>(
    `SELECT conversation_id FROM (
        SELECT r.conversation_id, r.sent_at AS at FROM scheduling.reminders r
          JOIN scheduling.appointments a ON a.tenant_id = r.tenant_id AND a.id = r.appointment_id
         WHERE r.tenant_id = $1 AND a.wa_id_hash = $2 AND a.phone_number_id IN ($3, '') AND r.conversation_id IS NOT NULL
        UNION ALL
        SELECT conversation_id, updated_at FROM scheduling.chat_bookings WHERE tenant_id = $1 AND wa_id_hash = $2 AND phone_number_id = $3
      ) known ORDER BY at DESC NULLS LAST LIMIT 1`,
    [tenantId, waIdHash, phoneNumberId],
  );
  return rows[0]?.conversation_id;
}

/** Clinics that have clinicians × appointment types: what a patient may book, in a stable order. */
export async function bookableOptions(db: Queryable, tenantId: string, limit: number): Promise<{ typeId: string; typeName: string; clinicId: string; clinicName: string }[]> {
  const { rows } = await db.query(
    `SELECT t.id AS type_id, t.name AS type_name, c.id AS clinic_id, c.name AS clinic_name
       FROM scheduling.appointment_types t CROSS JOIN scheduling.clinics c
      WHERE t.tenant_id = $1 AND c.tenant_id = $1
        AND EXISTS (SELECT 1 FROM scheduling.clinicians k WHERE k.tenant_id = $1 AND k.clinic_id = c.id)
      ORDER BY c.name, c.id, t.name, t.id LIMIT $2`,
    [tenantId, limit],
  );
  return rows.map((row) => {
    const parsed = z.object({ type_id: z.string(), type_name: z.string(), clinic_id: z.string(), clinic_name: z.string() }).parse(row);
    return { typeId: parsed.type_id, typeName: parsed.type_name, clinicId: parsed.clinic_id, clinicName: parsed.clinic_name };
  });
}

export const chatOption = z.object({ id: z.string(), title: z.string(), description: z.string() });
export type ChatOption = z.infer<typeof chatOption>;

const chatMessageRow = z.object({ id: z.string(), conversation_id: z.string(), body: z.string(), options: z.array(chatOption), list_button: z.string() });
export type ChatMessageRow = z.infer<typeof chatMessageRow>;

export async function insertChatMessage(
  db: Queryable,
  tenantId: string,
  message: { id: string; bookingId: string; conversationId: string; body: string; options: ChatOption[]; listButton: string; at: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.chat_messages (tenant_id, id, booking_id, conversation_id, body, options, list_button, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [tenantId, message.id, message.bookingId, message.conversationId, message.body, JSON.stringify(message.options), message.listButton, message.at],
  );
}

export async function getChatMessage(db: Queryable, tenantId: string, id: string): Promise<ChatMessageRow | undefined> {
  const { rows } = await db.query('SELECT id, conversation_id, body, options, list_button FROM scheduling.chat_messages WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return rows[0] === undefined ? undefined : chatMessageRow.parse(rows[0]);
}

export async function markChatMessageSent(db: Queryable, tenantId: string, id: string, messageId: string): Promise<void> {
  await db.query('UPDATE scheduling.chat_messages SET message_id = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, id, messageId]);
}

/** The tenant's phrases, or undefined for the defaults. */
export async function getBookingKeywords(db: Queryable, tenantId: string): Promise<BookingKeywords | undefined> {
  const { rows } = await db.query<{ keywords: unknown }>('SELECT keywords FROM scheduling.booking_chat_settings WHERE tenant_id = $1', [tenantId]);
  return rows[0] === undefined ? undefined : bookingKeywordsSchema.parse(rows[0].keywords);
}

export async function setBookingKeywords(db: Queryable, tenantId: string, keywords: BookingKeywords, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.booking_chat_settings (tenant_id, keywords, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET keywords = EXCLUDED.keywords, updated_at = EXCLUDED.updated_at`,
    [tenantId, JSON.stringify(keywords), at],
  );
}
