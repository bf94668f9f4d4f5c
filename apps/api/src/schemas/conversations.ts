// Conversations as the REST api shows them, and how they are made from MessagingService's
// `Conversation`. Responses carry patient data (names, numbers, previews): never log them.
import { type Conversation, ContactState } from '@careline/contracts';
import { z } from 'zod';
import { dateTime, isoOrNull, nullIfEmpty, pageOf, resourceId } from './common';
import { inboxFieldsSchema, toInboxFields } from './inbox';

export const CONTACT_STATES = ['unverified', 'linked'] as const;

export const conversationSchema = z
  .object({
    id: z.string(),
    phoneNumberId: z
      .string()
      .meta({ description: "The hospital's WhatsApp number (Meta's phone_number_id)." }),
    patient: z.object({
      id: z
        .string()
        .nullable()
        .meta({ description: 'The Careline patient id, when the number is linked to a known patient.' }),
      displayName: z
        .string()
        .nullable()
        .meta({ description: "The hospital's record name if linked, else the WhatsApp profile name." }),
      phoneNumber: z.string().nullable().meta({ description: 'International format with a leading "+".' }),
      waIdHash: z
        .string()
        .nullable()
        .meta({
          description:
            "The keyed hash of the patient's number (as on Kafka keys and in records): what `POST /v1/patients/{id}/link-contact` takes to link this contact.",
        }),
    }),
    patientId: z
      .string()
      .nullable()
      .meta({ description: "The records patient the number belongs to (as `patient.id`); null while the contact is unverified." }),
    contactState: z.enum(CONTACT_STATES).meta({
      description:
        "`linked`: the number is the patient's registered number in records, or staff linked this contact to the patient (`POST /v1/patients/{id}/link-contact`). `unverified`: no patient, or several share the number; staff can link it.",
    }),
    lastMessageAt: dateTime().nullable(),
    lastMessagePreview: z
      .string()
      .nullable()
      .meta({ description: "The start of the last message's text (at most 100 characters)." }),
    unreadCount: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Patient messages not yet seen by the care team.' }),
    windowOpenUntil: dateTime()
      .nullable()
      .meta({
        description: "End of WhatsApp's 24-hour customer-service window; null if the patient never wrote.",
      }),
    windowOpen: z
      .boolean()
      .meta({ description: 'Whether free text may be sent now (`windowOpenUntil` is in the future).' }),
    assignedTo: z
      .string()
      .nullable()
      .meta({ description: 'The staff user the conversation is assigned to.' }),
    optedOut: z.boolean().meta({ description: 'The patient opted out of non-essential messages.' }),
    createdAt: dateTime().nullable(),
    restricted: z.boolean().meta({
      description:
        "A sensitive patient's conversation: the patient's name, number and the preview are null, and reading or replying needs break-glass (`POST /v1/conversations/{id}/break-glass`) until `breakGlassUntil`.",
    }),
    breakGlassUntil: dateTime()
      .nullable()
      .meta({ description: "Until when the caller's own break-glass grant opens this restricted conversation; null without one." }),
    ...inboxFieldsSchema,
  })
  .meta({ id: 'Conversation', description: 'The thread between one hospital number and one patient.' });
export type ConversationView = z.output<typeof conversationSchema>;

export const conversationPageSchema = pageOf(
  conversationSchema,
  'ConversationPage',
  'Conversations, most recent activity first.',
);

export const conversationParamsSchema = z.object({
  id: resourceId().meta({ description: 'The conversation id.' }),
});

export function toConversationView(conversation: Conversation, now: Date): ConversationView {
  const windowOpenUntil = conversation.windowOpenUntil;
  return {
    id: conversation.id,
    phoneNumberId: conversation.phoneNumberId,
    patient: {
      id: nullIfEmpty(conversation.patientId),
      displayName: nullIfEmpty(conversation.patientDisplayName),
      phoneNumber: nullIfEmpty(conversation.patientPhoneNumber),
      waIdHash: nullIfEmpty(conversation.patientWaIdHash),
    },
    patientId: nullIfEmpty(conversation.patientId),
    contactState: contactStateName(conversation),
    lastMessageAt: isoOrNull(conversation.lastMessageAt),
    lastMessagePreview: nullIfEmpty(conversation.lastMessagePreview),
    unreadCount: Math.max(0, conversation.unreadCount),
    windowOpenUntil: isoOrNull(windowOpenUntil),
    windowOpen: windowOpenUntil !== undefined && windowOpenUntil.getTime() > now.getTime(),
    assignedTo: nullIfEmpty(conversation.assignedTo),
    optedOut: conversation.optedOut,
    createdAt: isoOrNull(conversation.createdAt),
    restricted: conversation.restricted,
    breakGlassUntil: isoOrNull(conversation.breakGlassUntil),
    ...toInboxFields(conversation),
  };
}

// messaging sets the state; an older messaging (UNSPECIFIED) is read from the patient id alone
function contactStateName(conversation: Conversation): (typeof CONTACT_STATES)[number] {
  switch (conversation.contactState) {
    case ContactState.CONTACT_STATE_LINKED:
      return 'linked';
    case ContactState.CONTACT_STATE_UNVERIFIED:
      return 'unverified';
    case ContactState.CONTACT_STATE_UNSPECIFIED:
    case ContactState.UNRECOGNIZED:
      return conversation.patientId === '' ? 'unverified' : 'linked';
  }
}

export const restrictionBodySchema = z
  .object({
    restricted: z.boolean().meta({ description: 'True to restrict the conversation, false to lift the restriction.' }),
  })
  .meta({ id: 'ConversationRestriction' });

export const BREAK_GLASS_REASONS = ['emergency_treatment', 'patient_request', 'clinical_handover', 'other'] as const;

export const breakGlassBodySchema = z
  .object({
    reason: z.enum(BREAK_GLASS_REASONS).meta({ description: 'Why emergency access is needed.' }),
    justification: z
      .string()
      .refine((text) => [...text.trim()].length >= 10 && [...text.trim()].length <= 500, {
        message: 'must be 10 to 500 characters',
      })
      .meta({
        description:
          "The caller's own words, 10 to 500 characters. Kept encrypted with the grant for the people who review break-glass use; never in logs or the audit event.",
      }),
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(60)
      .optional()
      .meta({ description: 'How long the access lasts, 1 to 60 minutes; 30 when omitted.' }),
  })
  .meta({ id: 'BreakGlassRequest' });

export const breakGlassGrantSchema = z
  .object({
    grantId: z.string().meta({ description: 'Named in the audit events of every access under the grant.' }),
    expiresAt: dateTime(),
    conversation: conversationSchema,
  })
  .meta({ id: 'BreakGlassGrant', description: 'Emergency access to one restricted conversation, for the caller only.' });
export type BreakGlassGrantView = z.output<typeof breakGlassGrantSchema>;
