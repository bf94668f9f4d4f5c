// The care team's inbox calls: state (open / pending / closed), assignment (a member of staff
// and/or a team), internal notes, "opened" (unread reset + WhatsApp read receipt), routing rules.
// Each change, its audit event and its inbox event commit in one transaction (withTenant); a
// refusal found after the conversation lookup is audited and committed first, then thrown — the
// pattern of send-text.ts. The permission (authorize.ts) is checked by the wrapper in
// use-cases/index.ts.
import { randomUUID } from 'node:crypto';
import {
  type AddNoteRequest,
  type AddNoteResponse,
  type AssignConversationRequest,
  type AssignConversationResponse,
  ConversationStatus,
  EVENT_KEYS,
  type GetRoutingRulesRequest,
  type GetRoutingRulesResponse,
  type ListNotesRequest,
  type ListNotesResponse,
  type MarkReadRequest,
  type MarkReadResponse,
  type OutboundRequestedV1,
  type SetConversationStateRequest,
  type SetConversationStateResponse,
  type SetRoutingRulesRequest,
  type SetRoutingRulesResponse,
  TOPICS,
  outboundRequestedEvent,
  sealContext,
} from '@careline/contracts';
import { enqueue } from '@careline/bus';
import { type PoolClient, isUuid, withTenant } from '@careline/db';
import { type DomainError, invalidArgument } from '@careline/runtime';
import { SCHEMA } from '../config';
import { type ConversationRow, getConversation } from '../db/conversations';
import {
  type ConversationStatusName,
  activeStaffExists,
  clearUnread,
  getRoutingRules,
  insertNote,
  latestInboundWamid,
  listNotes,
  listTeamSlas,
  saveRoutingRules,
  setAssignment,
  setConversationStatus,
  setTeamSla,
  teamExists,
} from '../db/inbox';
import { characterCount } from '../domain/content';
import { breakGlassRequired, conversationNotFound } from '../domain/errors';
import { atRestContext } from '../domain/sealing';
import { type ConversationAccess, conversationAccess, grantDetail, viewAccess } from '../use-cases/access';
import { AUDIT_ACTIONS, type AuditAction, EVENT_SOURCE, recordAudit } from '../use-cases/audit';
import { type TenantCaller } from '../use-cases/caller';
import { type UseCaseDeps } from '../use-cases/deps';
import { conversationView } from '../use-cases/views';
import { recordInboxEvent } from './events';
import { type RoutingRulesInput, checkRoutingRules, noteContext, noteView, routingRulesView } from './views';

export const MAX_NOTE_CHARACTERS = 4096;
const MAX_NOTES = 500;
const MAX_ASSIGNEE_LENGTH = 255;

const STATUS_NAMES: Partial<Record<ConversationStatus, ConversationStatusName>> = {
  [ConversationStatus.CONVERSATION_STATUS_OPEN]: 'open',
  [ConversationStatus.CONVERSATION_STATUS_PENDING]: 'pending',
  [ConversationStatus.CONVERSATION_STATUS_CLOSED]: 'closed',
};

/** A ConversationStatus as stored; undefined for UNSPECIFIED (or an unknown value). */
export function statusName(status: ConversationStatus): ConversationStatusName | undefined {
  return STATUS_NAMES[status];
}

interface Found {
  client: PoolClient;
  conversation: ConversationRow;
  access: ConversationAccess & { allowed: true };
  audit: (outcome: 'success', detail?: Record<string, string>, resource?: { type: string; id: string }) => Promise<void>;
}

/**
 * Runs `body` on the caller's conversation in one transaction. Not found (any other tenant's id
 * too) → audited failure, NOT_FOUND; restricted without a grant (when `content` is read or
 * written) → audited denial, PERMISSION_DENIED `break_glass_required`; both thrown after commit.
 */
async function onConversation<T>(
  deps: UseCaseDeps,
  caller: TenantCaller,
  request: { conversationId: string; action: AuditAction; content: boolean },
  body: (found: Found) => Promise<T | { refused: DomainError }>,
): Promise<T> {
  if (!isUuid(request.conversationId)) throw conversationNotFound();
  const resource = { type: 'conversation', id: request.conversationId.toLowerCase() };
  const outcome = await withTenant(deps.pool, caller.tenantId, async (client): Promise<{ value: T } | { refused: DomainError }> => {
    const conversation = await getConversation(client, caller.tenantId, request.conversationId, { lock: true });
    if (conversation === undefined) {
      await recordAudit(client, caller, {
        action: request.action,
        resource,
        outcome: 'failure',
        detail: { reason: 'conversation_not_found' },
        at: deps.clock(),
      });
      return { refused: conversationNotFound() };
    }
    const patient = { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id };
    const access = request.content ? await conversationAccess(client, caller, conversation, deps.clock()) : ({ allowed: true } as const);
    if (!access.allowed) {
      await recordAudit(client, caller, {
        action: request.action,
        resource,
        patient,
        outcome: 'denied',
        detail: { reason: 'break_glass_required' },
        at: deps.clock(),
      });
      return { refused: breakGlassRequired(conversation.id) };
    }
    const result = await body({
      client,
      conversation,
      access,
      audit: (auditOutcome, detail = {}, auditResource = resource) =>
        recordAudit(client, caller, {
          action: request.action,
          resource: auditResource,
          patient,
          outcome: auditOutcome,
          detail: { ...detail, ...grantDetail(access) },
          at: deps.clock(),
        }),
    });
    if (result !== null && typeof result === 'object' && 'refused' in result) {
      const refusal = result.refused;
      await recordAudit(client, caller, {
        action: request.action,
        resource,
        patient,
        outcome: 'failure',
        detail: { reason: refusal.code },
        at: deps.clock(),
      });
      return { refused: refusal };
    }
    return { value: result };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome.value;
}

/** The conversation as the caller may see it, re-read after a change in the same transaction. */
async function freshView(deps: UseCaseDeps, found: Found) {
  const row = await getConversation(found.client, found.conversation.tenant_id, found.conversation.id);
  if (row === undefined) throw new Error('conversation vanished');
  return conversationView(deps.atRest, row, { ...viewAccess(found.access), now: deps.clock() });
}

export function createInboxUseCases(deps: UseCaseDeps) {
  const { atRest, clock } = deps;

  async function setConversationState(caller: TenantCaller, request: SetConversationStateRequest): Promise<SetConversationStateResponse> {
    const status = statusName(request.status);
    if (status === undefined) throw invalidArgument('invalid_state', 'status must be OPEN, PENDING or CLOSED.');
    return onConversation(deps, caller, { conversationId: request.conversationId, action: AUDIT_ACTIONS.setConversationState, content: false }, async (found) => {
      const from = found.conversation.status;
      if (from !== status) {
        const now = clock();
        await setConversationStatus(found.client, caller.tenantId, found.conversation.id, status, now);
        await found.audit('success', { from, to: status });
        await recordInboxEvent(found.client, {
          tenantId: caller.tenantId,
          kind: 'conversation_state',
          conversationId: found.conversation.id,
          actor: caller.actor,
          facts: { status, previous: from },
          at: now,
        });
      } else {
        await found.audit('success', { from, to: status, unchanged: 'true' });
      }
      return { conversation: await freshView(deps, found) };
    });
  }

  async function assignConversation(caller: TenantCaller, request: AssignConversationRequest): Promise<AssignConversationResponse> {
    const assignee = request.assignedTo.trim();
    if (assignee.length > MAX_ASSIGNEE_LENGTH) throw invalidArgument('unknown_assignee', 'assigned_to is not a staff subject.');
    if (request.teamId !== '' && !isUuid(request.teamId)) throw invalidArgument('unknown_team', 'team_id is not a team of the tenant.');
    return onConversation(deps, caller, { conversationId: request.conversationId, action: AUDIT_ACTIONS.assignConversation, content: false }, async (found) => {
      if (assignee !== '' && !(await activeStaffExists(found.client, caller.tenantId, assignee))) {
        return { refused: invalidArgument('unknown_assignee', 'No active member of staff has that subject in the tenant.') };
      }
      const teamId = request.teamId === '' ? (assignee === '' ? null : found.conversation.team_id) : request.teamId.toLowerCase();
      if (teamId !== null && teamId !== found.conversation.team_id && !(await teamExists(found.client, caller.tenantId, teamId))) {
        return { refused: invalidArgument('unknown_team', 'team_id is not a team of the tenant.') };
      }
      const assignedTo = assignee === '' ? null : assignee;
      const now = clock();
      await setAssignment(found.client, caller.tenantId, found.conversation.id, { assignedTo, teamId }, now);
      const facts = { assigned_to: assignedTo ?? '', team_id: teamId ?? '' };
      await found.audit('success', { ...facts, previous_assigned_to: found.conversation.assigned_to ?? '', previous_team_id: found.conversation.team_id ?? '' });
      await recordInboxEvent(found.client, {
        tenantId: caller.tenantId,
        kind: 'conversation_assigned',
        conversationId: found.conversation.id,
        actor: caller.actor,
        facts,
        at: now,
      });
      deps.logger.info({ tenant_id: caller.tenantId, conversation_id: found.conversation.id, team_id: teamId, actor: caller.actor }, 'conversation assigned');
      return { conversation: await freshView(deps, found) };
    });
  }

  async function addNote(caller: TenantCaller, request: AddNoteRequest): Promise<AddNoteResponse> {
    const body = request.body;
    if (body.trim() === '' || characterCount(body) > MAX_NOTE_CHARACTERS) {
      throw invalidArgument('invalid_note', `A note is 1 to ${MAX_NOTE_CHARACTERS} characters and not blank.`);
    }
    return onConversation(deps, caller, { conversationId: request.conversationId, action: AUDIT_ACTIONS.addNote, content: true }, async (found) => {
      const id = randomUUID();
      const now = clock();
      const row = {
        id,
        conversation_id: found.conversation.id,
        author: caller.actor,
        // the patient's key: a note about them is erased with their messages
        body_sealed: await (await deps.patientKeys.forPatient(found.client, caller.tenantId, found.conversation.wa_id_hash)).seal(caller.tenantId, body, noteContext(id)),
        created_at: now,
      };
      await insertNote(found.client, { ...row, tenantId: caller.tenantId });
      await found.audit('success', { conversation_id: found.conversation.id }, { type: 'note', id });
      await recordInboxEvent(found.client, {
        tenantId: caller.tenantId,
        kind: 'note_added',
        conversationId: found.conversation.id,
        noteId: id,
        actor: caller.actor,
        at: now,
      });
      return { note: await noteView(atRest, { ...row, tenant_id: caller.tenantId }) };
    });
  }

  async function listConversationNotes(caller: TenantCaller, request: ListNotesRequest): Promise<ListNotesResponse> {
    const rows = await onConversation(deps, caller, { conversationId: request.conversationId, action: AUDIT_ACTIONS.listNotes, content: true }, async (found) => {
      const notes = await listNotes(found.client, caller.tenantId, found.conversation.id, MAX_NOTES);
      await found.audit('success', { count: String(notes.length) });
      return notes;
    });
    return { notes: await Promise.all(rows.map((row) => noteView(atRest, row))) };
  }

  async function markRead(caller: TenantCaller, request: MarkReadRequest): Promise<MarkReadResponse> {
    return onConversation(deps, caller, { conversationId: request.conversationId, action: AUDIT_ACTIONS.markRead, content: true }, async (found) => {
      const { conversation } = found;
      const now = clock();
      let marked = '';
      if (conversation.unread_count > 0) {
        await clearUnread(found.client, caller.tenantId, conversation.id, now);
        const wamid = await latestInboundWamid(found.client, caller.tenantId, conversation.id);
        if (wamid !== undefined) {
          await queueMarkAsRead(found.client, deps, conversation, wamid, now);
          marked = wamid;
        }
        await recordInboxEvent(found.client, {
          tenantId: caller.tenantId,
          kind: 'conversation_read',
          conversationId: conversation.id,
          actor: caller.actor,
          at: now,
        });
      }
      await found.audit('success', { unread_before: String(conversation.unread_count), read_receipt: marked === '' ? 'false' : 'true' });
      return { conversation: await freshView(deps, found), markedWamid: marked };
    });
  }

  async function readRoutingRules(caller: TenantCaller, _request: GetRoutingRulesRequest): Promise<GetRoutingRulesResponse> {
    return withTenant(deps.pool, caller.tenantId, async (client) => ({
      rules: routingRulesView(await getRoutingRules(client, caller.tenantId), await listTeamSlas(client, caller.tenantId)),
    }));
  }

  async function writeRoutingRules(caller: TenantCaller, request: SetRoutingRulesRequest): Promise<SetRoutingRulesResponse> {
    const input: RoutingRulesInput = checkRoutingRules(request.rules);
    return withTenant(deps.pool, caller.tenantId, async (client) => {
      const teamIds = new Set([
        ...(input.rules.defaultTeamId === null ? [] : [input.rules.defaultTeamId]),
        ...input.rules.menu.map((o) => o.teamId),
        ...input.rules.keywords.map((k) => k.teamId),
        ...input.slas.map((s) => s.teamId),
      ]);
      for (const teamId of teamIds) {
        if (!(await teamExists(client, caller.tenantId, teamId))) {
          throw invalidArgument('unknown_team', 'A team id of the rules is not a team of the tenant.', { details: { teamId } });
        }
      }
      const now = clock();
      await saveRoutingRules(client, caller.tenantId, input.rules, caller.actor, now);
      for (const sla of input.slas) await setTeamSla(client, caller.tenantId, sla.teamId, sla.minutes, now);
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.setRoutingRules,
        resource: { type: 'routing_rules', id: '' },
        outcome: 'success',
        detail: {
          enabled: String(input.rules.enabled),
          menu_options: String(input.rules.menu.length),
          keywords: String(input.rules.keywords.length),
          team_slas: String(input.slas.length),
        },
        at: now,
      });
      return { rules: routingRulesView(await getRoutingRules(client, caller.tenantId), await listTeamSlas(client, caller.tenantId)) };
    });
  }

  return {
    setConversationState,
    assignConversation,
    addNote,
    listNotes: listConversationNotes,
    markRead,
    getRoutingRules: readRoutingRules,
    setRoutingRules: writeRoutingRules,
  };
}

/**
 * The read receipt: `OutboundMarkAsRead` for the patient's newest message (WhatsApp marks the
 * earlier ones read too) through the outbox, in the caller's transaction. No message row: the
 * gateway's result for it names a message messaging does not have, which the result consumer
 * ignores. One command per wamid (the key), however often the conversation is opened.
 */
async function queueMarkAsRead(client: PoolClient, deps: UseCaseDeps, conversation: ConversationRow, wamid: string, now: Date): Promise<void> {
  const tenantId = conversation.tenant_id;
  const commandId = randomUUID();
  const waId = await deps.atRest.openString(tenantId, conversation.wa_id_sealed, atRestContext.conversationWaId(conversation.id));
  const command: OutboundRequestedV1 = {
    tenantId,
    phoneNumberId: conversation.phone_number_id,
    recipientWaId: await deps.sealer.seal(tenantId, waId, sealContext(TOPICS.outboundRequested, commandId)),
    recipientWaIdHash: conversation.wa_id_hash,
    messageId: commandId,
    idempotencyKey: `read:${wamid}`,
    requestedAt: now,
    replyToWamid: '',
    content: { $case: 'markAsRead', value: { wamid, typingIndicator: false } },
  };
  await enqueue(client, SCHEMA, outboundRequestedEvent, {
    key: EVENT_KEYS.outboundRequested(command),
    tenantId,
    source: EVENT_SOURCE,
    payload: command,
  });
}
