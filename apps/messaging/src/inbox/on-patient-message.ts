// What the inbox does with each stored patient message, inside the consumer's transaction (the
// conversation row is locked): a closed or pending conversation opens again (audited, actor the
// patient), the message becomes an inbox event, and a conversation without a team is routed by the
// tenant's rules (domain/routing.ts): a keyword or a menu answer picks a team, "talk to a human"
// and anything unmatched the default team, and a first message without a keyword gets the
// greeting menu (as text: "1 – Appointments …"). A routing is an audit event (actor SYSTEM) and an
// inbox event `conversation_assigned`.
import { AuditActorType } from '@careline/contracts';
import { type PoolClient } from '@careline/db';
import { type ConversationRow, getConversation } from '../db/conversations';
import { getConsent } from '../db/consent';
import { getRoutingRules, reopenConversation, setRoutingState } from '../db/inbox';
import { consentRefuses } from '../domain/consent';
import { type MessageContent } from '../domain/content';
import { decideRouting } from '../domain/routing';
import { isWindowOpen } from '../domain/window';
import { AUDIT_ACTIONS, recordAudit } from '../use-cases/audit';
import { type TenantCaller } from '../use-cases/caller';
import { type UseCaseDeps } from '../use-cases/deps';
import { queueOutbound } from '../use-cases/queue-outbound';
import { PATIENT_ACTOR_ID, SYSTEM_ACTOR, recordInboxEvent } from './events';

export interface StoredPatientMessage {
  messageId: string;
  sentAt: Date;
  content: MessageContent;
  /** The message was a STOP/START keyword: consent handled it, routing leaves it alone. */
  consentKeyword: boolean;
}

const ROUTING_ACTOR = { type: AuditActorType.AUDIT_ACTOR_TYPE_SYSTEM, id: 'service:messaging' } as const;
const PATIENT_AUDIT_ACTOR = { type: AuditActorType.AUDIT_ACTOR_TYPE_PATIENT, id: PATIENT_ACTOR_ID } as const;

/** The words routing looks at: a text, or the title of a button/list reply. */
function routingText(content: MessageContent): string | undefined {
  switch (content.$case) {
    case 'text':
      return content.value.body;
    case 'reply':
      return content.value.title;
    default:
      return undefined;
  }
}

export async function onPatientMessage(
  client: PoolClient,
  deps: UseCaseDeps,
  before: ConversationRow,
  message: StoredPatientMessage,
): Promise<void> {
  const tenantId = before.tenant_id;
  const now = deps.clock();
  const system: TenantCaller = { tenantId, actor: 'service:messaging', roles: [] };
  const patient = { waIdHash: before.wa_id_hash, patientId: before.patient_id };

  if (before.status !== 'open') {
    await reopenConversation(client, tenantId, before.id, before.status, message.sentAt);
    await recordAudit(client, system, {
      action: AUDIT_ACTIONS.setConversationState,
      resource: { type: 'conversation', id: before.id },
      patient,
      outcome: 'success',
      detail: { from: before.status, to: 'open', reason: 'patient_message' },
      at: now,
      actor: PATIENT_AUDIT_ACTOR,
    });
  }

  const current = await getConversation(client, tenantId, before.id);
  if (current === undefined) throw new Error('conversation vanished');
  let routed: { teamId: string; reason: string } | undefined;
  let menu: string | undefined;
  if (!message.consentKeyword) {
    const decision = decideRouting(
      await getRoutingRules(client, tenantId),
      { routingState: current.routing_state, teamId: current.team_id },
      routingText(message.content),
    );
    if (decision.action === 'route') routed = { teamId: decision.teamId, reason: decision.reason };
    if (decision.action === 'send_menu') {
      // A menu is free text: only inside the window, and not to a patient who opted out; they
      // reach the default team instead (a person decides).
      const canSend = isWindowOpen(current.last_inbound_at, now) && !consentRefuses(await getConsent(client, tenantId, current.wa_id_hash), 'care');
      const rules = await getRoutingRules(client, tenantId);
      if (canSend) menu = decision.text;
      else if (rules !== undefined && rules.defaultTeamId !== null) routed = { teamId: rules.defaultTeamId, reason: 'default' };
    }
  }

  // Events last (they take the tenant's event-sequence lock), in the order the console shows them.
  if (before.status !== 'open') {
    await recordInboxEvent(client, {
      tenantId,
      kind: 'conversation_state',
      conversationId: before.id,
      actor: PATIENT_ACTOR_ID,
      facts: { status: 'open', previous: before.status, reason: 'patient_message' },
      at: message.sentAt,
    });
  }
  await recordInboxEvent(client, {
    tenantId,
    kind: 'message_received',
    conversationId: before.id,
    messageId: message.messageId,
    actor: PATIENT_ACTOR_ID,
    at: message.sentAt,
  });

  if (menu !== undefined) {
    const text = menu;
    await queueOutbound(client, deps, {
      conversation: current,
      stored: { $case: 'text', value: { body: text } },
      command: async (seal) => ({ $case: 'text', value: { body: await seal(text), previewUrl: false } }),
      sentBy: null,
      now,
    });
    await setRoutingState(client, tenantId, before.id, { state: 'menu_sent' }, now);
    deps.logger.info({ tenant_id: tenantId, conversation_id: before.id }, 'routing menu sent');
  }
  if (routed !== undefined) {
    await setRoutingState(client, tenantId, before.id, { state: 'routed', teamId: routed.teamId }, now);
    await recordAudit(client, system, {
      action: AUDIT_ACTIONS.routeConversation,
      resource: { type: 'conversation', id: before.id },
      patient,
      outcome: 'success',
      detail: { team_id: routed.teamId, reason: routed.reason },
      at: now,
      actor: ROUTING_ACTOR,
    });
    await recordInboxEvent(client, {
      tenantId,
      kind: 'conversation_assigned',
      conversationId: before.id,
      actor: SYSTEM_ACTOR,
      facts: { team_id: routed.teamId, assigned_to: current.assigned_to ?? '', reason: routed.reason },
      at: now,
    });
    deps.logger.info({ tenant_id: tenantId, conversation_id: before.id, team_id: routed.teamId, reason: routed.reason }, 'conversation routed');
  }
}
