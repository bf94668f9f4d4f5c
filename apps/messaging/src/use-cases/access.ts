// Who may open a conversation beyond the role check: a restricted conversation (a sensitive
// patient) opens only under the caller's own break-glass grant in force. Every use-case that reads
// or writes a conversation's content asks here inside its transaction, and audits what it did
// under a grant with the grant's id and a high severity, so reviewers can find each access.
import { type Queryable } from '@careline/db';
import { type GrantRow, activeGrants } from '../db/break-glass';
import { type ConversationRow } from '../db/conversations';
import { type TenantCaller } from './caller';

export type ConversationAccess = { allowed: true; grant?: GrantRow } | { allowed: false };

export async function conversationAccess(
  client: Queryable,
  caller: TenantCaller,
  conversation: Pick<ConversationRow, 'id' | 'restricted'>,
  now: Date,
): Promise<ConversationAccess> {
  if (!conversation.restricted) return { allowed: true };
  const grant = (await activeGrants(client, caller.tenantId, caller.actor, [conversation.id], now)).get(conversation.id);
  return grant === undefined ? { allowed: false } : { allowed: true, grant };
}

/** Audit detail for an access made under a grant (nothing for ordinary access). */
export function grantDetail(access: ConversationAccess): Record<string, string> {
  return access.allowed && access.grant !== undefined ? { break_glass_grant: access.grant.id, severity: 'high' } : {};
}

/** What a conversation view needs to know about the caller's access. */
export function viewAccess(access: ConversationAccess): { breakGlassUntil?: Date } {
  return access.allowed && access.grant !== undefined ? { breakGlassUntil: access.grant.expires_at } : {};
}
