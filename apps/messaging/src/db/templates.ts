// The template registry and the per-tenant messaging settings. Every function takes a client
// inside withTenant and the tenant id (RLS already limits rows; the predicate keeps queries on the
// indexes and the scoping visible).
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { type Keywords, keywordsSchema } from '../domain/consent';
import { type TemplateCategoryName, type TemplateStatusName } from '../domain/templates';

const templateRow = z.object({
  tenant_id: z.string(),
  waba_id: z.string(),
  name: z.string(),
  language: z.string(),
  meta_id: z.string(),
  category: z.enum(['marketing', 'utility', 'authentication', 'unknown']),
  status: z.enum(['pending', 'approved', 'rejected', 'paused', 'disabled', 'deleted', 'unknown']),
  components: z.unknown(),
  parameter_format: z.string(),
  synced_at: z.date(),
  // Meta's webhook verdict (migration 0009)
  status_reason: z.string(),
  status_changed_at: z.date().nullable(),
});
export type TemplateRow = z.infer<typeof templateRow>;

export interface SyncedTemplate {
  wabaId: string;
  name: string;
  language: string;
  metaId: string;
  category: TemplateCategoryName;
  status: TemplateStatusName;
  components: unknown;
  parameterFormat: string;
}

/** Upserts what Meta listed; every other template of the tenant becomes 'deleted'. */
export async function replaceTemplates(db: Queryable, tenantId: string, templates: readonly SyncedTemplate[], now: Date): Promise<void> {
  for (const t of templates) {
    await db.query(
      `INSERT INTO messaging.templates
         (tenant_id, waba_id, name, language, meta_id, category, status, components, parameter_format, synced_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id, waba_id, name, language) DO UPDATE SET
         meta_id = EXCLUDED.meta_id, category = EXCLUDED.category, status = EXCLUDED.status,
         status_reason = CASE WHEN templates.status = EXCLUDED.status THEN templates.status_reason ELSE '' END,
         components = EXCLUDED.components, parameter_format = EXCLUDED.parameter_format, synced_at = EXCLUDED.synced_at`,
      [tenantId, t.wabaId, t.name, t.language, t.metaId, t.category, t.status, JSON.stringify(t.components), t.parameterFormat, now],
    );
  }
  await db.query(
    `UPDATE messaging.templates SET status = 'deleted' WHERE tenant_id = $1 AND synced_at < $2 AND status <> 'deleted'`,
    [tenantId, now],
  );
}

export async function listTemplates(db: Queryable, tenantId: string, options: { name?: string } = {}): Promise<TemplateRow[]> {
  const { rows } = options.name === undefined
    ? await db.query(`SELECT * FROM messaging.templates WHERE tenant_id = $1 ORDER BY name, language, waba_id`, [tenantId])
    : await db.query(`SELECT * FROM messaging.templates WHERE tenant_id = $1 AND name = $2 ORDER BY language, waba_id`, [
        tenantId,
        options.name,
      ]);
  return rows.map((row) => templateRow.parse(row));
}

/**
 * Meta's verdict from the status webhook: the registry row (by WABA, name, language) takes the
 * status and reason unless it holds a newer verdict. Returns false when no row matched (a template
 * the registry has not synced yet: the next sync brings it with its status).
 */
export async function applyTemplateVerdict(
  db: Queryable,
  tenantId: string,
  verdict: { wabaId: string; name: string; language: string; status: TemplateStatusName | undefined; reason: string; at: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE messaging.templates SET status = COALESCE($5, status), status_reason = $6, status_changed_at = $7
      WHERE tenant_id = $1 AND waba_id = $2 AND name = $3 AND language = $4
        AND (status_changed_at IS NULL OR status_changed_at <= $7)`,
    [tenantId, verdict.wabaId, verdict.name, verdict.language, verdict.status ?? null, verdict.reason, verdict.at],
  );
  return rowCount === 1;
}

// --- settings -------------------------------------------------------------------------------------

const channelsSchema = z.array(z.object({ phone_number_id: z.string(), waba_id: z.string() }));

const settingsRow = z.object({
  default_phone_number_id: z.string().nullable(),
  channels: channelsSchema,
  templates_synced_at: z.date().nullable(),
  keywords: z.unknown().nullable(),
});

export interface MessagingSettings {
  defaultPhoneNumberId: string | null;
  channels: { phoneNumberId: string; wabaId: string }[];
  templatesSyncedAt: Date | null;
  /** null: the defaults */
  keywords: Keywords | null;
}

export async function getSettings(db: Queryable, tenantId: string): Promise<MessagingSettings> {
  const { rows } = await db.query(
    `SELECT default_phone_number_id, channels, templates_synced_at, keywords FROM messaging.messaging_settings WHERE tenant_id = $1`,
    [tenantId],
  );
  if (rows[0] === undefined) return { defaultPhoneNumberId: null, channels: [], templatesSyncedAt: null, keywords: null };
  const row = settingsRow.parse(rows[0]);
  const keywords = row.keywords === null ? null : keywordsSchema.safeParse(row.keywords);
  return {
    defaultPhoneNumberId: row.default_phone_number_id,
    channels: row.channels.map((c) => ({ phoneNumberId: c.phone_number_id, wabaId: c.waba_id })),
    templatesSyncedAt: row.templates_synced_at,
    // a malformed value (hand-edited) falls back to the defaults rather than disabling STOP
    keywords: keywords === null || !keywords.success ? null : keywords.data,
  };
}

/** After a sync: the channels seen, the time, and a default number if none was chosen. */
export async function recordSync(
  db: Queryable,
  tenantId: string,
  sync: { channels: readonly { phoneNumberId: string; wabaId: string }[]; at: Date },
): Promise<void> {
  const channels = JSON.stringify(sync.channels.map((c) => ({ phone_number_id: c.phoneNumberId, waba_id: c.wabaId })));
  await db.query(
    `INSERT INTO messaging.messaging_settings (tenant_id, default_phone_number_id, channels, templates_synced_at, updated_at)
     VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (tenant_id) DO UPDATE SET
       channels = EXCLUDED.channels,
       templates_synced_at = EXCLUDED.templates_synced_at,
       default_phone_number_id = COALESCE(messaging.messaging_settings.default_phone_number_id, EXCLUDED.default_phone_number_id),
       updated_at = EXCLUDED.updated_at`,
    [tenantId, sync.channels[0]?.phoneNumberId ?? null, channels, sync.at],
  );
}

/** The tenant's default template language from its directory entry, if it has one. */
export async function tenantDefaultLanguage(db: Queryable, tenantId: string): Promise<string | undefined> {
  const { rows } = await db.query(`SELECT default_language FROM messaging.tenants WHERE tenant_id = $1`, [tenantId]);
  const row = z.object({ default_language: z.string() }).optional().parse(rows[0]);
  return row?.default_language;
}
