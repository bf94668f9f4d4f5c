// The tenant's policies (`/v1/admin/reminder-policy`, `/v1/admin/release-policy`) and how they are
// made from scheduling's and records' protobuf messages. PUT bodies are STRICT and complete (a
// replace: a missing field is a 400, not a silent reset to a default). The shapes mirror the
// services' own rules so most mistakes are a 400 here; the services check again (scheduling, e.g.,
// that stage names are unique) and their `invalid_request` names the field.
import type { ReleasePolicy, ReminderPolicy } from '@careline/contracts';
import { z } from 'zod';

const languageCode = () =>
  z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, { message: 'must be a language code like es or en_US' });
const hhMmOrEmpty = () =>
  z
    .string()
    .regex(/^(?:|(?:[01][0-9]|2[0-3]):[0-5][0-9])$/, { message: 'must be HH:MM (or empty for none)' })
    .meta({ description: 'Site-local time "HH:MM"; empty (with the other end empty too) for no quiet hours.' });

const reminderStageSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,20}$/, { message: 'must be 1-20 letters, digits, _ or -' })
      .meta({ description: 'A short name, e.g. "24h" (reported in no-show statistics).' }),
    minutesBefore: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 30)
      .meta({ description: 'How long before the start it goes out, in minutes.' }),
    templates: z
      .record(languageCode(), z.string().regex(/^[a-z0-9_]{1,512}$/, { message: 'must be a template name' }))
      .refine((templates) => Object.keys(templates).length > 0, { message: 'needs a template for at least one language' })
      .meta({ description: 'Approved template name per language, e.g. {"en_US": "appointment_reminder"}.' }),
  })
  .meta({ id: 'ReminderStage' });

export const reminderPolicySchema = z
  .strictObject({
    stages: z.array(reminderStageSchema).max(10).meta({ description: 'The reminders, earliest first (at most 10).' }),
    quietStart: hhMmOrEmpty(),
    quietEnd: hhMmOrEmpty(),
    minLeadMinutes: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 7)
      .meta({ description: 'A stage due less than this many minutes after booking is skipped.' }),
    noShowAfterMinutes: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 7)
      .meta({ description: 'An unconfirmed appointment without attendance is a no-show this long after its end.' }),
    videoLinkTemplate: z
      .string()
      .max(500)
      .refine((value) => value === '' || (value.startsWith('https://') && value.includes('{appointment_id}')), {
        message: 'must be an https URL containing {appointment_id}',
      })
      .meta({ description: 'Join link of video visits, e.g. "https://video.example/{appointment_id}"; empty for none.' }),
    defaultLanguage: languageCode().meta({ description: 'Used when the patient has no language, or a stage no template in theirs.' }),
  })
  .meta({ id: 'ReminderPolicy', description: "The hospital's appointment reminder and no-show rules (scheduling)." });
export type ReminderPolicyView = z.output<typeof reminderPolicySchema>;

export function toReminderPolicyView(policy: ReminderPolicy): ReminderPolicyView {
  return {
    stages: policy.stages.map((stage) => ({ name: stage.name, minutesBefore: stage.minutesBefore, templates: { ...stage.templates } })),
    quietStart: policy.quietStart,
    quietEnd: policy.quietEnd,
    minLeadMinutes: policy.minLeadMinutes,
    noShowAfterMinutes: policy.noShowAfterMinutes,
    videoLinkTemplate: policy.videoLinkTemplate,
    defaultLanguage: policy.defaultLanguage,
  };
}

export const releasePolicySchema = z
  .strictObject({
    allowDocumentInChat: z.boolean().meta({
      description:
        "Whether a verified patient may have the document itself sent in the WhatsApp chat (with their consent). Default false. Stored only: sending in chat is not built yet. Link lifetime and the attempt limit are records' deployment settings.",
    }),
  })
  .meta({ id: 'ReleasePolicy', description: "The hospital's rules for releasing documents to patients (records)." });
export type ReleasePolicyView = z.output<typeof releasePolicySchema>;

export function toReleasePolicyView(policy: ReleasePolicy): ReleasePolicyView {
  return { allowDocumentInChat: policy.allowDocumentInChat };
}
