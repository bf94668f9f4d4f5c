// SendTemplate: an approved WhatsApp template to the patient of a conversation, or to a patient
// number (the conversation is found or opened). Allowed outside the 24-hour window. In one
// transaction, under a per-tenant lock of the idempotency key: the repeated-key check, the
// template chosen from the registry (language with fallback, domain/templates.ts), consent by
// purpose, the parameters checked against the template, then the message row, the send command
// (parameters sealed for the topic) and the audit event `message.send_template`. A refusal after
// the lookup is audited (denied: opted_out; failure: not found, not approved, invalid parameters)
// and committed before the error is thrown.
import { randomUUID } from 'node:crypto';
import {
  AuditActorType,
  type OutboundTemplate,
  type SendTemplateRequest,
  type SendTemplateResponse,
  TemplateButtonSubType,
  type TemplateComponent,
  TemplateComponentType,
  type TemplateParameter,
  WA_ID_HASH_PURPOSE,
} from '@careline/contracts';
import { type PoolClient, isUuid, withTenant } from '@careline/db';
import { type DomainError, currentTraceId } from '@careline/runtime';
import {
  type ConversationRow,
  getConversation,
  insertConversation,
  lockConversationForPatient,
} from '../db/conversations';
import { type MessageRow, lockMessageById } from '../db/messages';
import { findSendRequest, getConsent, insertSendRequest, lockIdempotencyKey } from '../db/consent';
import { getSettings, listTemplates, tenantDefaultLanguage } from '../db/templates';
import { consentRefuses, purposeName } from '../domain/consent';
import {
  breakGlassRequired,
  conversationNotFound,
  idempotencyKeyRequired,
  invalidRecipient,
  invalidTemplateParameters,
  optedOut,
  templateNotApproved,
  templateNotFound,
} from '../domain/errors';
import { atRestContext } from '../domain/sealing';
import {
  type FilledTemplate,
  PLATFORM_DEFAULT_LANGUAGE,
  chooseLanguage,
  fillTemplate,
  isLanguageCode,
  staffPreview,
} from '../domain/templates';
import { conversationAccess, grantDetail } from './access';
import { AUDIT_ACTIONS, type AuditFacts, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { linkNewConversation } from './patient-links';
import { type SealForCommand, queueOutbound } from './queue-outbound';
import { type TemplateRegistry, definitionOf } from './templates';
import { messageView } from './views';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
const WA_ID = /^[0-9]{6,15}$/;
const PHONE_NUMBER_ID = /^[0-9]{1,32}$/;

export type SendTemplate = (caller: TenantCaller, request: SendTemplateRequest) => Promise<SendTemplateResponse>;

/** Services (scheduling, records) send on their own account: audited as SYSTEM, no break-glass. */
export function isServiceCaller(caller: TenantCaller): boolean {
  return caller.actor.startsWith('service:');
}

export function callerActor(caller: TenantCaller): AuditFacts['actor'] {
  return isServiceCaller(caller) ? { type: AuditActorType.AUDIT_ACTOR_TYPE_SYSTEM, id: caller.actor } : undefined;
}

export function createSendTemplate(deps: UseCaseDeps, registry: TemplateRegistry): SendTemplate {
  const { clock } = deps;
  return async (caller, request) => {
    const { tenantId } = caller;
    const key = request.idempotencyKey;
    if (key === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw idempotencyKeyRequired();
    const recipient = request.recipient;
    if (recipient === undefined) throw invalidRecipient('Name a conversation or a patient number.');
    if (recipient.$case === 'conversationId' && !isUuid(recipient.value)) throw conversationNotFound();
    if (recipient.$case === 'patient') {
      if (!WA_ID.test(recipient.value.waId)) throw invalidRecipient('The patient number must be 6 to 15 digits with the country code, no "+".');
      if (recipient.value.phoneNumberId !== '' && !PHONE_NUMBER_ID.test(recipient.value.phoneNumberId)) {
        throw invalidRecipient('The hospital number (phone_number_id) must be digits.');
      }
    }
    if (!TEMPLATE_NAME.test(request.templateName)) throw templateNotFound(request.templateName);
    if (request.languageCode !== '' && !isLanguageCode(request.languageCode)) {
      throw invalidTemplateParameters([{ parameter: 'language_code', problem: 'unknown' }]);
    }
    const purpose = purposeName(request.purpose);

    // A template missing from the registry may be new at Meta: sync once (rate-limited) first.
    const known = await withTenant(deps.pool, tenantId, (client) => listTemplates(client, tenantId, { name: request.templateName }));
    if (!known.some((row) => row.status === 'approved')) {
      await registry.syncIfStale(tenantId).catch((error: unknown) => {
        deps.logger.warn({ tenant_id: tenantId, err: error }, 'template sync before send failed; using the registry as it is');
      });
    }

    type Outcome = { refused: DomainError } | { row: MessageRow; conversationId: string; language: string };
    const outcome = await withTenant(deps.pool, tenantId, async (client): Promise<Outcome> => {
      await lockIdempotencyKey(client, tenantId, key);
      const now = clock();
      let conversation: ConversationRow | undefined;
      const audit = (facts: Omit<AuditFacts, 'action' | 'at' | 'patient' | 'actor'>) =>
        recordAudit(client, caller, {
          action: AUDIT_ACTIONS.sendTemplate,
          at: now,
          actor: callerActor(caller),
          ...(conversation === undefined ? {} : { patient: { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id } }),
          ...facts,
        });

      const repeated = await findSendRequest(client, tenantId, key);
      if (repeated) {
        const row = await lockMessageById(client, tenantId, repeated.messageId);
        if (row === undefined) throw new Error('message of a send request vanished');
        conversation = await getConversation(client, tenantId, repeated.conversationId);
        await audit({
          resource: { type: 'message', id: row.id },
          outcome: 'success',
          detail: { conversation_id: repeated.conversationId, idempotent_replay: 'true' },
        });
        return { row, conversationId: repeated.conversationId, language: repeated.language };
      }

      const settings = await getSettings(client, tenantId);
      if (recipient.$case === 'conversationId') {
        conversation = await getConversation(client, tenantId, recipient.value, { lock: true });
        if (conversation === undefined) {
          await audit({ resource: { type: 'conversation', id: recipient.value.toLowerCase() }, outcome: 'failure', detail: { reason: 'conversation_not_found' } });
          return { refused: conversationNotFound() };
        }
      } else {
        const phoneNumberId = recipient.value.phoneNumberId || settings.defaultPhoneNumberId || '';
        if (phoneNumberId === '') {
          await audit({ resource: { type: 'conversation', id: '' }, outcome: 'failure', detail: { reason: 'no_default_number' } });
          return {
            refused: invalidRecipient('The tenant has no default WhatsApp number yet: name phone_number_id, or sync the templates first.'),
          };
        }
        conversation = await conversationForPatient(client, deps, { tenantId, phoneNumberId, waId: recipient.value.waId, now });
      }
      const conversationResource = { type: 'conversation', id: conversation.id };

      const access = isServiceCaller(caller) ? ({ allowed: true } as const) : await conversationAccess(client, caller, conversation, now);
      if (!access.allowed) {
        await audit({ resource: conversationResource, outcome: 'denied', detail: { reason: 'break_glass_required' } });
        return { refused: breakGlassRequired(conversation.id) };
      }

      // The conversation's number sends it, so only its WABA's templates can be used.
      const waba = settings.channels.find((c) => c.phoneNumberId === conversation?.phone_number_id)?.wabaId;
      const rows = (await listTemplates(client, tenantId, { name: request.templateName })).filter(
        (row) => waba === undefined || row.waba_id === waba,
      );
      if (rows.length === 0) {
        await audit({ resource: conversationResource, outcome: 'failure', detail: { reason: 'template_not_found', template: request.templateName } });
        return { refused: templateNotFound(request.templateName) };
      }
      const approved = rows.filter((row) => row.status === 'approved');
      if (approved.length === 0) {
        const status = rows[0]?.status ?? 'unknown';
        await audit({ resource: conversationResource, outcome: 'failure', detail: { reason: 'template_not_approved', template: request.templateName, status } });
        return { refused: templateNotApproved(request.templateName, status) };
      }
      const consent = await getConsent(client, tenantId, conversation.wa_id_hash);
      const language = chooseLanguage(
        approved.map((row) => row.language),
        [consent.preferredLanguage ?? '', request.languageCode, (await tenantDefaultLanguage(client, tenantId)) ?? '', PLATFORM_DEFAULT_LANGUAGE],
      );
      const template = approved.find((row) => row.language === language);
      if (language === undefined || template === undefined) {
        await audit({ resource: conversationResource, outcome: 'failure', detail: { reason: 'template_not_found', template: request.templateName } });
        return { refused: templateNotFound(request.templateName) };
      }
      if (consentRefuses(consent, purpose, template.category)) {
        const reason = template.category === 'marketing' && consent.marketingStopped ? 'marketing_stopped' : 'opted_out';
        await audit({ resource: conversationResource, outcome: 'denied', detail: { reason, purpose } });
        return { refused: optedOut(conversation.id, reason) };
      }
      const filled = fillTemplate(
        definitionOf(template),
        request.parameters,
        request.buttons.map((b) => ({ index: b.index, value: b.value })),
      );
      if (!filled.ok) {
        await audit({
          resource: conversationResource,
          outcome: 'failure',
          detail: { reason: 'invalid_template_parameters', parameter: filled.issues[0]?.parameter ?? '' },
        });
        return { refused: invalidTemplateParameters(filled.issues) };
      }

      const row = await queueOutbound(client, deps, {
        conversation,
        // an authentication code is sent, never kept readable for staff
        stored: {
          $case: 'template',
          value: {
            name: template.name,
            languageCode: template.language,
            previewText: staffPreview(template.category, filled.filled.previewText, [
              ...request.parameters,
              ...request.buttons.map((button) => ({ text: button.value })),
            ]),
          },
        },
        command: async (seal) => ({ $case: 'template', value: await outboundTemplate(template.name, template.language, filled.filled, seal) }),
        sentBy: isServiceCaller(caller) ? null : caller.actor,
        now,
      });
      await insertSendRequest(client, { tenantId, key, messageId: row.id, conversationId: conversation.id, language: template.language, at: now });
      await audit({
        resource: { type: 'message', id: row.id },
        outcome: 'success',
        detail: {
          conversation_id: conversation.id,
          template: template.name,
          language: template.language,
          category: template.category,
          purpose,
          ...grantDetail(access),
        },
      });
      deps.logger.info(
        { tenant_id: tenantId, conversation_id: conversation.id, message_id: row.id, template: template.name, language: template.language, trace_id: currentTraceId() },
        'template queued',
      );
      return { row, conversationId: conversation.id, language: template.language };
    });
    if ('refused' in outcome) throw outcome.refused;
    return { message: await messageView(deps.atRest, outcome.row), conversationId: outcome.conversationId, languageCode: outcome.language };
  };
}

/** The patient's conversation on a number, opened (no messages yet) when there is none. */
async function conversationForPatient(
  client: PoolClient,
  deps: Pick<UseCaseDeps, 'sealer' | 'atRest' | 'patientKeys'>,
  patient: { tenantId: string; phoneNumberId: string; waId: string; now: Date },
): Promise<ConversationRow> {
  const waIdHash = await deps.sealer.blindIndex(patient.tenantId, WA_ID_HASH_PURPOSE, patient.waId);
  const key = { phoneNumberId: patient.phoneNumberId, waIdHash };
  const existing = await lockConversationForPatient(client, patient.tenantId, key);
  if (existing) return existing;
  const id = randomUUID();
  const atRest = await deps.patientKeys.forPatient(client, patient.tenantId, waIdHash);
  await insertConversation(client, {
    id,
    tenantId: patient.tenantId,
    phoneNumberId: patient.phoneNumberId,
    waIdHash,
    waIdSealed: await atRest.seal(patient.tenantId, patient.waId, atRestContext.conversationWaId(id)),
    lastMessageAt: patient.now,
    createdAt: patient.now,
  });
  await linkNewConversation(client, { tenantId: patient.tenantId, id, waIdHash });
  const created = await lockConversationForPatient(client, patient.tenantId, key);
  if (!created) throw new Error('conversation vanished after insert');
  return created;
}

async function outboundTemplate(name: string, languageCode: string, filled: FilledTemplate, seal: SealForCommand): Promise<OutboundTemplate> {
  const textParameter = async (placeholder: string, text: string): Promise<TemplateParameter> => ({
    parameterName: /^[0-9]+$/.test(placeholder) ? '' : placeholder,
    value: { $case: 'text', value: await seal(text) },
  });
  const components: TemplateComponent[] = [];
  for (const component of ['header', 'body'] as const) {
    const parameters = filled.parameters.filter((p) => p.spec.component === component);
    if (parameters.length === 0) continue;
    components.push({
      type: component === 'header' ? TemplateComponentType.TEMPLATE_COMPONENT_TYPE_HEADER : TemplateComponentType.TEMPLATE_COMPONENT_TYPE_BODY,
      subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_UNSPECIFIED,
      index: 0,
      parameters: await Promise.all(parameters.map((p) => textParameter(p.spec.placeholder, p.text))),
    });
  }
  for (const button of filled.buttons) {
    const base = { type: TemplateComponentType.TEMPLATE_COMPONENT_TYPE_BUTTON, index: button.spec.index };
    switch (button.spec.type) {
      case 'quick_reply':
        components.push({
          ...base,
          subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_QUICK_REPLY,
          parameters: [{ parameterName: '', value: { $case: 'payload', value: button.value } }],
        });
        break;
      // Meta sends an authentication template's copy-code (OTP) button as a URL button with the code
      case 'url':
      case 'otp':
        components.push({ ...base, subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_URL, parameters: [await textParameter('1', button.value)] });
        break;
      case 'copy_code':
        components.push({ ...base, subType: TemplateButtonSubType.TEMPLATE_BUTTON_SUB_TYPE_COPY_CODE, parameters: [await textParameter('1', button.value)] });
        break;
      case 'phone_number':
      case 'other':
        break;
    }
  }
  return { name, languageCode, components };
}
