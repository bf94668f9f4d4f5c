// The care team's inbox over REST: a conversation's state, assignment, episode times and SLA (part
// of the Conversation schema), the request bodies of the inbox routes, notes, the list filters, and
// the routing rules. Notes carry patient data like messages: never log them.
import {
  type Conversation,
  ConversationStatus,
  type ConversationFilter,
  type Note,
  type RoutingRules,
} from '@careline/contracts';
import { z } from 'zod';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, dateTime, isoOrNull, nullIfEmpty, pageQuerySchema, resourceId } from './common';

export const CONVERSATION_STATUSES = ['open', 'pending', 'closed'] as const;
export type ConversationStatusName = (typeof CONVERSATION_STATUSES)[number];

const TO_PROTO: Record<ConversationStatusName, ConversationStatus> = {
  open: ConversationStatus.CONVERSATION_STATUS_OPEN,
  pending: ConversationStatus.CONVERSATION_STATUS_PENDING,
  closed: ConversationStatus.CONVERSATION_STATUS_CLOSED,
};

export function statusToProto(status: ConversationStatusName): ConversationStatus {
  return TO_PROTO[status];
}

function statusFromProto(status: ConversationStatus): ConversationStatusName {
  switch (status) {
    case ConversationStatus.CONVERSATION_STATUS_PENDING:
      return 'pending';
    case ConversationStatus.CONVERSATION_STATUS_CLOSED:
      return 'closed';
    // UNSPECIFIED only from a messaging older than the inbox: its conversations are all open
    case ConversationStatus.CONVERSATION_STATUS_OPEN:
    case ConversationStatus.CONVERSATION_STATUS_UNSPECIFIED:
    case ConversationStatus.UNRECOGNIZED:
      return 'open';
  }
}

/** Fields of `Conversation` (spread into its schema in conversations.ts). */
export const inboxFieldsSchema = {
  status: z.enum(CONVERSATION_STATUSES).meta({
    description: '`open` (needs the care team), `pending` (waiting), `closed` (resolved; a new patient message reopens it).',
  }),
  teamId: z.string().nullable().meta({ description: 'The team (department) it is routed or assigned to.' }),
  openedAt: dateTime().nullable().meta({ description: 'Start of the current episode: the first message, or the patient message that reopened it.' }),
  firstResponseAt: dateTime().nullable().meta({ description: "The care team's first reply in this episode; null until there is one." }),
  firstResponseSeconds: z.number().int().nullable().meta({ description: '`firstResponseAt` − `openedAt`, in seconds.' }),
  closedAt: dateTime().nullable().meta({ description: 'When it was closed; null unless `closed`.' }),
  resolutionSeconds: z.number().int().nullable().meta({ description: '`closedAt` − `openedAt`, in seconds; null unless `closed`.' }),
  firstResponseDueAt: dateTime()
    .nullable()
    .meta({ description: "`openedAt` + the team's SLA target (minutes to first response); null when the team has no target." }),
  slaBreached: z.boolean().meta({ description: 'The first response came after `firstResponseDueAt`, or has not come and that time has passed.' }),
};

function secondsBetween(from: Date | undefined, to: Date | undefined): number | null {
  return from === undefined || to === undefined ? null : Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
}

export function toInboxFields(conversation: Conversation) {
  return {
    status: statusFromProto(conversation.status),
    teamId: nullIfEmpty(conversation.teamId),
    openedAt: isoOrNull(conversation.openedAt),
    firstResponseAt: isoOrNull(conversation.firstResponseAt),
    firstResponseSeconds: secondsBetween(conversation.openedAt, conversation.firstResponseAt),
    closedAt: isoOrNull(conversation.closedAt),
    resolutionSeconds: secondsBetween(conversation.openedAt, conversation.closedAt),
    firstResponseDueAt: isoOrNull(conversation.firstResponseDueAt),
    slaBreached: conversation.slaBreached,
  };
}

// --- GET /v1/conversations filters ---

export const conversationListQuerySchema = pageQuerySchema.extend({
  status: z.enum(CONVERSATION_STATUSES).optional().meta({ description: 'Only conversations in this status.' }),
  assignee: z.string().min(1).max(255).optional().meta({ description: "Only conversations assigned to this staff member (their identity provider's subject)." }),
  teamId: resourceId().optional().meta({ description: 'Only conversations of this team.' }),
  unread: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true')
    .meta({ description: '`true`: only conversations with unread patient messages.' }),
  patientId: resourceId().optional().meta({ description: "Only conversations linked to this patient (records' patient id)." }),
});
export type ConversationListQuery = z.output<typeof conversationListQuerySchema>;
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE };

export function toConversationFilter(query: ConversationListQuery): ConversationFilter | undefined {
  if (
    query.status === undefined &&
    query.assignee === undefined &&
    query.teamId === undefined &&
    !query.unread &&
    query.patientId === undefined
  )
    return undefined;
  return {
    status: query.status === undefined ? ConversationStatus.CONVERSATION_STATUS_UNSPECIFIED : statusToProto(query.status),
    assignedTo: query.assignee ?? '',
    teamId: query.teamId ?? '',
    unreadOnly: query.unread,
    patientId: query.patientId ?? '',
  };
}

// --- bodies ---

export const assignBodySchema = z
  .object({
    assignee: z
      .string()
      .min(1)
      .max(255)
      .nullable()
      .optional()
      .meta({ description: "The staff member's identity-provider subject (`sub`); null or absent: nobody." }),
    teamId: resourceId().nullable().optional().meta({ description: 'The team; absent (or null) with an assignee: the current team stays.' }),
  })
  .strict()
  .meta({ id: 'ConversationAssignment', description: 'Both absent (or null): the assignment is cleared.' });
export type AssignBody = z.output<typeof assignBodySchema>;

export const stateBodySchema = z
  .object({ status: z.enum(CONVERSATION_STATUSES) })
  .strict()
  .meta({ id: 'ConversationState' });

export const noteBodySchema = z
  .object({
    body: z
      .string()
      .refine((text) => text.trim() !== '' && [...text].length <= 4096, { message: 'must be 1 to 4096 characters, not blank' })
      .meta({ description: 'The note (seen by the care team only, never sent to the patient).' }),
  })
  .strict()
  .meta({ id: 'NewNote' });

export const noteSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    author: z.string().meta({ description: '`user:<sub>` of the author.' }),
    body: z.string(),
    createdAt: dateTime().nullable(),
  })
  .meta({ id: 'Note', description: "An internal note of the care team on a conversation." });
export type NoteView = z.output<typeof noteSchema>;

export const noteListSchema = z.object({ items: z.array(noteSchema) }).meta({ id: 'NoteList', description: 'Notes, oldest first.' });

export function toNoteView(note: Note): NoteView {
  return { id: note.id, conversationId: note.conversationId, author: note.author, body: note.body, createdAt: isoOrNull(note.createdAt) };
}

// --- routing rules (admin) ---

export const routingRulesSchema = z
  .object({
    enabled: z.boolean().meta({ description: 'Route new (and reopened) conversations that have no team.' }),
    defaultTeamId: resourceId()
      .nullable()
      .meta({ description: 'Where "talk to a human" ("0", "agent", …) and anything unmatched goes. Required when enabled.' }),
    greeting: z.string().max(1024).meta({ description: 'The text above the menu, sent to a new conversation; required with menu options.' }),
    menu: z
      .array(
        z.object({
          key: z.string().min(1).max(20).meta({ description: 'What the patient replies, e.g. "1" (not "0": that is the way to a person).' }),
          label: z.string().min(1).max(60),
          teamId: resourceId(),
        }),
      )
      .max(9),
    keywords: z
      .array(z.object({ keyword: z.string().min(1).max(60).meta({ description: 'Whole words, any case or accents.' }), teamId: resourceId() }))
      .max(100),
    teamSlas: z
      .array(z.object({ teamId: resourceId(), firstResponseMinutes: z.number().int().min(0).max(10_080).meta({ description: '0 clears it.' }) }))
      .max(200)
      .meta({ description: "Each team's target: minutes from (re)opening to the first response." }),
  })
  .strict()
  .meta({ id: 'RoutingRulesUpdate', description: 'How a new conversation reaches a team: keywords first, then the greeting menu, else the default team.' });
export type RoutingRulesBody = z.output<typeof routingRulesSchema>;

export const routingRulesViewSchema = routingRulesSchema
  .extend({ updatedAt: dateTime().nullable() })
  .meta({ id: 'RoutingRules', description: 'The tenant\'s routing rules (never set: routing off).' });
export type RoutingRulesView = z.output<typeof routingRulesViewSchema>;

export function toRoutingRules(body: RoutingRulesBody): RoutingRules {
  return {
    enabled: body.enabled,
    defaultTeamId: body.defaultTeamId ?? '',
    greeting: body.greeting,
    menu: body.menu,
    keywords: body.keywords,
    teamSlas: body.teamSlas,
    updatedAt: undefined,
  };
}

export function toRoutingRulesView(rules: RoutingRules | undefined): RoutingRulesView {
  return {
    enabled: rules?.enabled ?? false,
    defaultTeamId: nullIfEmpty(rules?.defaultTeamId ?? ''),
    greeting: rules?.greeting ?? '',
    menu: (rules?.menu ?? []).map((o) => ({ key: o.key, label: o.label, teamId: o.teamId })),
    keywords: (rules?.keywords ?? []).map((k) => ({ keyword: k.keyword, teamId: k.teamId })),
    teamSlas: (rules?.teamSlas ?? []).map((s) => ({ teamId: s.teamId, firstResponseMinutes: s.firstResponseMinutes })),
    updatedAt: isoOrNull(rules?.updatedAt),
  };
}
