// Erasure of a patient's messaging data (`POST /v1/conversations/{id}/erase`) and the retention
// policy (`/v1/admin/retention-policy`), issue 7. Counts and ids only in answers: nothing erased is
// ever echoed back.
import type { ErasePatientResponse, RetentionPolicy } from '@careline/contracts';
import { z } from 'zod';
import { dateTime } from './common';

export const ERASURE_REASON = { min: 10, max: 500 } as const;
export const MAX_RETENTION_DAYS = 36_500;

export const eraseBodySchema = z
  .strictObject({
    reason: z
      .string()
      .refine((text) => [...text.trim()].length >= ERASURE_REASON.min && [...text.trim()].length <= ERASURE_REASON.max, {
        message: `must be ${ERASURE_REASON.min} to ${ERASURE_REASON.max} characters`,
      })
      .meta({
        description:
          "Why (10 to 500 characters, e.g. the ticket of the patient's request). Kept encrypted with the erasure record under the hospital's key; never in logs or the audit event.",
      }),
  })
  .meta({ id: 'EraseRequest' });

export const erasureSchema = z
  .object({
    erasureId: z.string().meta({ description: 'Named in the `patient.erased` audit event.' }),
    conversationIds: z
      .array(z.string())
      .meta({ description: "Every erased conversation of the patient (the same WhatsApp number on any of the hospital's numbers)." }),
    messagesErased: z.number().int(),
    mediaErased: z.number().int(),
    notesErased: z.number().int(),
    inboxEventsErased: z.number().int(),
    keyDestroyed: z
      .boolean()
      .meta({ description: "Whether the patient's data key was destroyed (any copy of their encrypted messages can no longer be decrypted)." }),
    erasedAt: dateTime(),
  })
  .meta({
    id: 'Erasure',
    description:
      'What was erased, as counts and ids. A repeated request (by any of the erased conversation ids) answers the first erasure.',
  });
export type ErasureView = z.output<typeof erasureSchema>;

export function toErasureView(response: ErasePatientResponse): ErasureView {
  return {
    erasureId: response.erasureId,
    conversationIds: [...response.conversationIds],
    messagesErased: response.messagesErased,
    mediaErased: response.mediaErased,
    notesErased: response.notesErased,
    inboxEventsErased: response.inboxEventsErased,
    keyDestroyed: response.keyDestroyed,
    erasedAt: (response.erasedAt ?? new Date(0)).toISOString(),
  };
}

export const retentionPolicyBodySchema = z
  .strictObject({
    closedConversationDays: z
      .number()
      .int()
      .min(0)
      .max(MAX_RETENTION_DAYS)
      .meta({
        description:
          "Days after a conversation was closed before the patient's messages, media and notes in it are erased; 0 keeps them forever (the default).",
      }),
  })
  .meta({ id: 'RetentionPolicyRequest' });

export const retentionPolicySchema = z
  .object({
    closedConversationDays: z.number().int().meta({ description: '0: keep forever.' }),
    updatedAt: dateTime().nullable().meta({ description: 'When it last changed; null if never set.' }),
  })
  .meta({ id: 'RetentionPolicy' });
export type RetentionPolicyView = z.output<typeof retentionPolicySchema>;

export function toRetentionPolicyView(policy: RetentionPolicy): RetentionPolicyView {
  return { closedConversationDays: policy.closedConversationDays, updatedAt: policy.updatedAt?.toISOString() ?? null };
}
