// The care team's inbox over REST, in calls to messaging: assignment, state, notes, "opened"
// (unread reset + read receipt on WhatsApp), the tenant's routing rules. Conversations coming back
// are checked to be the caller's tenant's (deps.ts assertSameTenant).
import type { Principal } from '@careline/auth';
import type { Conversation } from '@careline/contracts';
import { internalError } from '@careline/runtime';
import { callerOf } from '../auth/principal';
import { type ConversationView, toConversationView } from '../schemas/conversations';
import {
  type AssignBody,
  type ConversationStatusName,
  type NoteView,
  type RoutingRulesBody,
  type RoutingRulesView,
  statusToProto,
  toNoteView,
  toRoutingRules,
  toRoutingRulesView,
} from '../schemas/inbox';
import { type InboxDeps, assertSameTenant } from './deps';

function viewOf(principal: Principal, conversation: Conversation | undefined, now: Date): ConversationView {
  if (conversation === undefined) throw internalError('upstream_invalid_response', 'messaging answered without the conversation.');
  assertSameTenant(principal, conversation);
  return toConversationView(conversation, now);
}

export function createInboxRouteUseCases({ messaging, clock }: InboxDeps) {
  return {
    async assign(principal: Principal, conversationId: string, body: AssignBody): Promise<ConversationView> {
      // null and absent mean the same (messaging's empty string): without a team the current team
      // stays when an assignee is given, and both are cleared when neither is (messaging.proto)
      const assignee = body.assignee ?? '';
      const teamId = body.teamId ?? '';
      const { conversation } = await messaging.assignConversation(callerOf(principal), { conversationId, assignedTo: assignee, teamId });
      return viewOf(principal, conversation, clock());
    },
    async setState(principal: Principal, conversationId: string, status: ConversationStatusName): Promise<ConversationView> {
      const { conversation } = await messaging.setConversationState(callerOf(principal), { conversationId, status: statusToProto(status) });
      return viewOf(principal, conversation, clock());
    },
    async addNote(principal: Principal, conversationId: string, body: string): Promise<NoteView> {
      const { note } = await messaging.addNote(callerOf(principal), { conversationId, body });
      if (note === undefined) throw internalError('upstream_invalid_response', 'messaging answered without the note.');
      return toNoteView(note);
    },
    async listNotes(principal: Principal, conversationId: string): Promise<{ items: NoteView[] }> {
      const { notes } = await messaging.listNotes(callerOf(principal), { conversationId });
      return { items: notes.map(toNoteView) };
    },
    async markRead(principal: Principal, conversationId: string): Promise<ConversationView> {
      const { conversation } = await messaging.markRead(callerOf(principal), { conversationId });
      return viewOf(principal, conversation, clock());
    },
    async getRoutingRules(principal: Principal): Promise<RoutingRulesView> {
      const { rules } = await messaging.getRoutingRules(callerOf(principal), {});
      return toRoutingRulesView(rules);
    },
    async setRoutingRules(principal: Principal, body: RoutingRulesBody): Promise<RoutingRulesView> {
      const { rules } = await messaging.setRoutingRules(callerOf(principal), { rules: toRoutingRules(body) });
      return toRoutingRulesView(rules);
    },
  };
}

export type InboxRouteUseCases = ReturnType<typeof createInboxRouteUseCases>;
