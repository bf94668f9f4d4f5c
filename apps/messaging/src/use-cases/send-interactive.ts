// SendInteractive: reply buttons (1–3 options) or a list (4–10 rows) inside the 24-hour window.
// Meta's limits are checked here, naming the field, so nothing invalid is queued (fact sheet §4).
// Same shape as SendTemplate: per-tenant idempotency key, consent by purpose, one transaction
// with the message row, the send command and the audit event `message.send_interactive`.
import {
  type SendInteractiveRequest,
  type SendInteractiveResponse,
} from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { type DomainError } from '@careline/runtime';
import { type ConversationRow, getConversation } from '../db/conversations';
import { findSendRequest, getConsent, insertSendRequest, lockIdempotencyKey } from '../db/consent';
import { type MessageRow, lockMessageById } from '../db/messages';
import { consentRefuses, purposeName } from '../domain/consent';
import { characterCount } from '../domain/content';
import {
  breakGlassRequired,
  conversationNotFound,
  idempotencyKeyRequired,
  invalidInteractive,
  optedOut,
  windowClosed,
} from '../domain/errors';
import { isWindowOpen, windowOpenUntil } from '../domain/window';
import { conversationAccess, grantDetail } from './access';
import { AUDIT_ACTIONS, type AuditFacts, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { type OutboundContent, type SealForCommand, queueOutbound } from './queue-outbound';
import { MAX_IDEMPOTENCY_KEY_LENGTH, callerActor, isServiceCaller } from './send-template';
import { approvedTemplateSummary } from './templates';
import { messageView } from './views';

export const INTERACTIVE_LIMITS = {
  body: 1024,
  footer: 60,
  maxButtons: 3,
  buttonTitle: 20,
  maxRows: 10,
  rowTitle: 24,
  rowDescription: 72,
  listButton: 20,
  optionId: 200,
} as const;

export type SendInteractive = (caller: TenantCaller, request: SendInteractiveRequest) => Promise<SendInteractiveResponse>;

/** Meta's limits; the first broken one, naming the field (never its value). */
export function checkInteractive(request: SendInteractiveRequest): DomainError | undefined {
  const L = INTERACTIVE_LIMITS;
  const length = characterCount;
  if (request.body.trim() === '' || length(request.body) > L.body) return invalidInteractive('body', `The body must be 1 to ${L.body} characters.`);
  if (length(request.footer) > L.footer) return invalidInteractive('footer', `The footer must be at most ${L.footer} characters.`);
  const options = request.options;
  if (options.length === 0 || options.length > L.maxRows) {
    return invalidInteractive('options', `Give 1 to ${L.maxButtons} buttons or up to ${L.maxRows} list rows.`);
  }
  const asButtons = options.length <= L.maxButtons;
  const titleLimit = asButtons ? L.buttonTitle : L.rowTitle;
  const ids = new Set<string>();
  const titles = new Set<string>();
  for (const [i, option] of options.entries()) {
    if (option.id === '' || length(option.id) > L.optionId) return invalidInteractive(`options.${i}.id`, `An option id must be 1 to ${L.optionId} characters.`);
    if (ids.has(option.id)) return invalidInteractive(`options.${i}.id`, 'Option ids must be unique.');
    ids.add(option.id);
    if (option.title.trim() === '' || length(option.title) > titleLimit) {
      return invalidInteractive(`options.${i}.title`, `An option title must be 1 to ${titleLimit} characters.`);
    }
    // Meta refuses two buttons with one title
    if (asButtons && titles.has(option.title)) return invalidInteractive(`options.${i}.title`, 'Button titles must be unique.');
    titles.add(option.title);
    if (asButtons && option.description !== '') return invalidInteractive(`options.${i}.description`, 'Buttons have no description; use 4 or more options for a list.');
    if (length(option.description) > L.rowDescription) {
      return invalidInteractive(`options.${i}.description`, `A description must be at most ${L.rowDescription} characters.`);
    }
  }
  if (!asButtons && (request.listButton.trim() === '' || length(request.listButton) > L.listButton)) {
    return invalidInteractive('list_button', `A list needs a button label of 1 to ${L.listButton} characters.`);
  }
  return undefined;
}

export function createSendInteractive(deps: UseCaseDeps): SendInteractive {
  return async (caller, request) => {
    const { tenantId } = caller;
    const key = request.idempotencyKey;
    if (key === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw idempotencyKeyRequired();
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const invalid = checkInteractive(request);
    if (invalid) throw invalid;
    const purpose = purposeName(request.purpose);

    type Outcome = { refused: DomainError } | { row: MessageRow };
    const outcome = await withTenant(deps.pool, tenantId, async (client): Promise<Outcome> => {
      await lockIdempotencyKey(client, tenantId, key);
      const now = deps.clock();
      const conversation: ConversationRow | undefined = await getConversation(client, tenantId, request.conversationId, { lock: true });
      const audit = (facts: Omit<AuditFacts, 'action' | 'at' | 'patient' | 'actor'>) =>
        recordAudit(client, caller, {
          action: AUDIT_ACTIONS.sendInteractive,
          at: now,
          actor: callerActor(caller),
          ...(conversation === undefined ? {} : { patient: { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id } }),
          ...facts,
        });
      const conversationResource = { type: 'conversation', id: request.conversationId.toLowerCase() };
      if (conversation === undefined) {
        await audit({ resource: conversationResource, outcome: 'failure', detail: { reason: 'conversation_not_found' } });
        return { refused: conversationNotFound() };
      }
      const access = isServiceCaller(caller) ? ({ allowed: true } as const) : await conversationAccess(client, caller, conversation, now);
      if (!access.allowed) {
        await audit({ resource: conversationResource, outcome: 'denied', detail: { reason: 'break_glass_required' } });
        return { refused: breakGlassRequired(conversation.id) };
      }
      const repeated = await findSendRequest(client, tenantId, key);
      if (repeated) {
        const row = await lockMessageById(client, tenantId, repeated.messageId);
        if (row === undefined) throw new Error('message of a send request vanished');
        await audit({ resource: { type: 'message', id: row.id }, outcome: 'success', detail: { conversation_id: conversation.id, idempotent_replay: 'true' } });
        return { row };
      }
      if (!isWindowOpen(conversation.last_inbound_at, now)) {
        await audit({ resource: conversationResource, outcome: 'denied', detail: { reason: 'window_closed' } });
        return { refused: windowClosed(conversation.id, windowOpenUntil(conversation.last_inbound_at), await approvedTemplateSummary(client, tenantId)) };
      }
      const consent = await getConsent(client, tenantId, conversation.wa_id_hash);
      if (consentRefuses(consent, purpose)) {
        await audit({ resource: conversationResource, outcome: 'denied', detail: { reason: 'opted_out', purpose } });
        return { refused: optedOut(conversation.id, 'opted_out') };
      }
      const row = await queueOutbound(client, deps, {
        conversation,
        stored: { $case: 'interactive', value: { body: request.body, options: request.options.map((o) => o.title) } },
        command: (seal) => outboundInteractive(request, seal),
        sentBy: isServiceCaller(caller) ? null : caller.actor,
        now,
      });
      await insertSendRequest(client, { tenantId, key, messageId: row.id, conversationId: conversation.id, language: '', at: now });
      await audit({
        resource: { type: 'message', id: row.id },
        outcome: 'success',
        detail: { conversation_id: conversation.id, purpose, options: String(request.options.length), ...grantDetail(access) },
      });
      return { row };
    });
    if ('refused' in outcome) throw outcome.refused;
    return { message: await messageView(deps.atRest, outcome.row) };
  };
}

async function outboundInteractive(request: SendInteractiveRequest, seal: SealForCommand): Promise<OutboundContent> {
  const body = await seal(request.body);
  const footer = request.footer === '' ? undefined : await seal(request.footer);
  if (request.options.length <= INTERACTIVE_LIMITS.maxButtons) {
    return {
      $case: 'buttons',
      value: {
        headerText: undefined,
        body,
        footer,
        buttons: await Promise.all(request.options.map(async (o) => ({ id: o.id, title: await seal(o.title) }))),
      },
    };
  }
  return {
    $case: 'list',
    value: {
      headerText: undefined,
      body,
      footer,
      buttonText: await seal(request.listButton),
      sections: [
        {
          title: undefined,
          rows: await Promise.all(
            request.options.map(async (o) => ({
              id: o.id,
              title: await seal(o.title),
              description: o.description === '' ? undefined : await seal(o.description),
            })),
          ),
        },
      ],
    },
  };
}
