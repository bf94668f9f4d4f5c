// Meta's `message_template_status_update` changes (a WABA-level field: template approved, rejected,
// paused, disabled …) read from the webhook body. @careline/whatsapp's parser reports this field as
// `other` without its value, so the value is read here from the same bytes, with a schema as
// tolerant as the library's: unknown keys dropped, a malformed change skipped (never failing the
// webhook, whose messages and statuses must still be ingested).
// TODO: move into @careline/whatsapp's parseWebhook as a `template_status` event kind.
import { z } from 'zod';

export const TEMPLATE_STATUS_FIELD = 'message_template_status_update';

export interface TemplateStatusChange {
  wabaId: string;
  /** the entry's `time` (Unix seconds), when Meta sent one */
  time: Date | undefined;
  templateId: string;
  templateName: string;
  languageCode: string;
  /** Meta's `event`, upper case */
  status: string;
  /** Meta's `reason` ("" for none), else a pause's `other_info.title` */
  reason: string;
}

const text = (max: number) => z.string().max(max);
const valueSchema = z.object({
  event: text(64).regex(/^[A-Za-z_]+$/),
  message_template_id: z.union([z.number().int().nonnegative(), text(32).regex(/^[0-9]+$/)]),
  message_template_name: text(512).min(1),
  message_template_language: text(32).min(1),
  reason: text(256).nullish(),
  other_info: z.object({ title: text(256).optional() }).nullish(),
});
const changeSchema = z.object({ field: z.string(), value: z.unknown() });
const bodySchema = z.object({
  entry: z.array(z.object({ id: z.string().min(1), time: z.number().int().positive().optional(), changes: z.array(z.unknown()) })),
});

/**
 * Every well-formed template status change of the body, in payload order. `skipped` counts the
 * changes of this field that did not match the schema (logged by the caller, by count only).
 */
export function templateStatusChanges(raw: Uint8Array): { changes: TemplateStatusChange[]; skipped: number } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    return { changes: [], skipped: 0 };
  }
  const body = bodySchema.safeParse(json);
  if (!body.success) return { changes: [], skipped: 0 };
  const changes: TemplateStatusChange[] = [];
  let skipped = 0;
  for (const entry of body.data.entry) {
    for (const candidate of entry.changes) {
      const change = changeSchema.safeParse(candidate);
      if (!change.success || change.data.field !== TEMPLATE_STATUS_FIELD) continue;
      const value = valueSchema.safeParse(change.data.value);
      if (!value.success) {
        skipped += 1;
        continue;
      }
      const reason = value.data.reason ?? '';
      changes.push({
        wabaId: entry.id,
        time: entry.time === undefined ? undefined : new Date(entry.time * 1000),
        templateId: String(value.data.message_template_id),
        templateName: value.data.message_template_name,
        languageCode: value.data.message_template_language,
        status: value.data.event.toUpperCase(),
        reason: reason !== '' && reason.toUpperCase() !== 'NONE' ? reason : (value.data.other_info?.title ?? ''),
      });
    }
  }
  return { changes, skipped };
}
