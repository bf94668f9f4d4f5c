// Consent: read and recorded by staff (GetConsent/SetConsent), changed by the patient's STOP/START
// keywords (from receive-patient-message, inside the consumer's transaction, with a confirmation
// sent as an essential CONFIRMATION message), and by Meta's `user_preferences` (marketing stop or
// resume, patient.preference.changed.v1). Every change writes a history row and an audit event in
// the same transaction as the change.
import {
  AuditActorType,
  type GetConsentRequest,
  type GetConsentResponse,
  type MessagingConsent,
  MessagingConsentSource,
  MessagingConsentState,
  type PatientPreferenceChangedV1,
  PatientPreferenceValue,
  type SetConsentRequest,
  type SetConsentResponse,
} from '@careline/contracts';
import { type PoolClient, type Queryable, isUuid, withTenant } from '@careline/db';
import { type DomainError } from '@careline/runtime';
import { type ConversationRow, getConversation } from '../db/conversations';
import { type ConsentRecord, getConsent, listConsentChanges, saveConsent } from '../db/consent';
import { getSettings } from '../db/templates';
import {
  type ConsentSourceName,
  type ConsentStateName,
  DEFAULT_KEYWORDS,
  type KeywordMatch,
  confirmationText,
  matchKeyword,
} from '../domain/consent';
import { breakGlassRequired, conversationNotFound, invalidConsent, invalidEvent } from '../domain/errors';
import { isLanguageCode, normalizeLanguage } from '../domain/templates';
import { isWindowOpen } from '../domain/window';
import { conversationAccess } from './access';
import { AUDIT_ACTIONS, type AuditAction, type AuditFacts, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type EventContext, type UseCaseDeps } from './deps';
import { queueOutbound } from './queue-outbound';
import { callerActor } from './send-template';

const HISTORY_LIMIT = 50;
const PATIENT_ACTOR = { type: AuditActorType.AUDIT_ACTOR_TYPE_PATIENT, id: 'patient' } as const;

const STATE_OUT: Record<ConsentStateName, MessagingConsentState> = {
  unspecified: MessagingConsentState.MESSAGING_CONSENT_STATE_UNSPECIFIED,
  opted_in: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_IN,
  opted_out: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT,
};
const SOURCE_OUT: Record<ConsentSourceName, MessagingConsentSource> = {
  keyword: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_KEYWORD,
  user_preferences: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_USER_PREFERENCES,
  staff: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_STAFF,
  api: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_API,
  import: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_IMPORT,
};

async function consentView(db: Queryable, conversation: ConversationRow, consent: ConsentRecord): Promise<MessagingConsent> {
  const history = await listConsentChanges(db, conversation.tenant_id, conversation.wa_id_hash, HISTORY_LIMIT);
  return {
    conversationId: conversation.id,
    state: STATE_OUT[consent.state],
    source: consent.source === null ? MessagingConsentSource.MESSAGING_CONSENT_SOURCE_UNSPECIFIED : SOURCE_OUT[consent.source],
    changedAt: consent.changedAt ?? undefined,
    marketingStopped: consent.marketingStopped,
    preferredLanguageCode: consent.preferredLanguage ?? '',
    history: history.map((h) => ({
      state: STATE_OUT[h.state],
      source: SOURCE_OUT[h.source],
      changedAt: h.changed_at,
      changedBy: h.changed_by,
      marketingStopped: h.marketing_stopped,
    })),
  };
}

/** The conversation for a staff call, audited when it cannot be used. */
async function staffConversation(
  client: PoolClient,
  caller: TenantCaller,
  conversationId: string,
  action: AuditAction,
  now: Date,
): Promise<{ conversation: ConversationRow } | { refused: DomainError }> {
  const conversation = await getConversation(client, caller.tenantId, conversationId, { lock: true });
  const resource = { type: 'conversation', id: conversationId.toLowerCase() };
  if (conversation === undefined) {
    await recordAudit(client, caller, { action, resource, outcome: 'failure', detail: { reason: 'conversation_not_found' }, at: now, actor: callerActor(caller) });
    return { refused: conversationNotFound() };
  }
  const access = await conversationAccess(client, caller, conversation, now);
  if (!access.allowed) {
    await recordAudit(client, caller, {
      action,
      resource,
      patient: { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id },
      outcome: 'denied',
      detail: { reason: 'break_glass_required' },
      at: now,
      actor: callerActor(caller),
    });
    return { refused: breakGlassRequired(conversation.id) };
  }
  return { conversation };
}

export function createGetConsent(deps: UseCaseDeps) {
  return async (caller: TenantCaller, request: GetConsentRequest): Promise<GetConsentResponse> => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const outcome = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const now = deps.clock();
      const found = await staffConversation(client, caller, request.conversationId, AUDIT_ACTIONS.readConsent, now);
      if ('refused' in found) return found;
      const { conversation } = found;
      const consent = await getConsent(client, caller.tenantId, conversation.wa_id_hash);
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.readConsent,
        resource: { type: 'conversation', id: conversation.id },
        patient: { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id },
        outcome: 'success',
        at: now,
        actor: callerActor(caller),
      });
      return { consent: await consentView(client, conversation, consent) };
    });
    if ('refused' in outcome) throw outcome.refused;
    return outcome;
  };
}

const STAFF_SOURCES: Partial<Record<MessagingConsentSource, ConsentSourceName>> = {
  [MessagingConsentSource.MESSAGING_CONSENT_SOURCE_STAFF]: 'staff',
  [MessagingConsentSource.MESSAGING_CONSENT_SOURCE_API]: 'api',
  [MessagingConsentSource.MESSAGING_CONSENT_SOURCE_IMPORT]: 'import',
};

export function createSetConsent(deps: UseCaseDeps) {
  return async (caller: TenantCaller, request: SetConsentRequest): Promise<SetConsentResponse> => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const state: ConsentStateName | undefined =
      request.state === MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_IN
        ? 'opted_in'
        : request.state === MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT
          ? 'opted_out'
          : undefined;
    const language = request.preferredLanguageCode.trim();
    if (state === undefined && language === '') throw invalidConsent('Give a consent state (opted in or out), a preferred language, or both.');
    const source = STAFF_SOURCES[request.source];
    if (state !== undefined && source === undefined) throw invalidConsent('A consent change needs its source: staff, api or import.');
    if (language !== '' && !isLanguageCode(language)) throw invalidConsent('The preferred language must be a WhatsApp language code such as es or pt_BR.');

    const outcome = await withTenant(deps.pool, caller.tenantId, async (client) => {
      const now = deps.clock();
      const found = await staffConversation(client, caller, request.conversationId, state === 'opted_out' ? AUDIT_ACTIONS.optedOut : AUDIT_ACTIONS.optedIn, now);
      if ('refused' in found) return found;
      const { conversation } = found;
      const before = await getConsent(client, caller.tenantId, conversation.wa_id_hash, { lock: true });
      const audit = (action: AuditAction, detail: Record<string, string>) =>
        recordAudit(client, caller, {
          action,
          resource: { type: 'conversation', id: conversation.id },
          patient: { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id },
          outcome: 'success',
          detail,
          at: now,
          actor: callerActor(caller),
        } satisfies AuditFacts);
      let after = before;
      if (state !== undefined && source !== undefined) {
        after = { ...after, state, source, changedAt: now, changedBy: caller.actor };
      }
      if (language !== '') after = { ...after, preferredLanguage: normalizeLanguage(language) };
      const stateChanged = state !== undefined && source !== undefined;
      await saveConsent(client, caller.tenantId, conversation.wa_id_hash, after, now, stateChanged && source !== undefined ? { source, by: caller.actor, at: now } : undefined);
      if (stateChanged && source !== undefined) {
        await audit(state === 'opted_out' ? AUDIT_ACTIONS.optedOut : AUDIT_ACTIONS.optedIn, { source, previous_state: before.state });
      }
      if (language !== '' && after.preferredLanguage !== before.preferredLanguage) {
        await audit(AUDIT_ACTIONS.languageChanged, { language: after.preferredLanguage ?? '' });
      }
      return { consent: await consentView(client, conversation, after) };
    });
    if ('refused' in outcome) throw outcome.refused;
    return outcome;
  };
}

/**
 * A patient message that is a STOP or START keyword changes the consent (when it differs) and
 * answers with a confirmation in the keyword's language. Runs in the consumer's transaction, after
 * the message is stored. Returns the match, if any.
 */
export async function applyConsentKeyword(
  client: PoolClient,
  deps: UseCaseDeps,
  conversation: ConversationRow,
  message: { text: string; sentAt: Date },
): Promise<KeywordMatch | undefined> {
  const tenantId = conversation.tenant_id;
  const settings = await getSettings(client, tenantId);
  const match = matchKeyword(message.text, settings.keywords ?? DEFAULT_KEYWORDS);
  if (match === undefined) return undefined;
  const now = deps.clock();
  const before = await getConsent(client, tenantId, conversation.wa_id_hash, { lock: true });
  const state: ConsentStateName = match.action === 'stop' ? 'opted_out' : 'opted_in';
  if (before.state === state) return match;
  const after: ConsentRecord = { ...before, state, source: 'keyword', changedAt: message.sentAt, changedBy: 'patient' };
  await saveConsent(client, tenantId, conversation.wa_id_hash, after, now, { source: 'keyword', by: 'patient', at: message.sentAt });
  const patientCaller: TenantCaller = { tenantId, actor: 'patient', roles: [] };
  await recordAudit(client, patientCaller, {
    action: state === 'opted_out' ? AUDIT_ACTIONS.optedOut : AUDIT_ACTIONS.optedIn,
    resource: { type: 'conversation', id: conversation.id },
    patient: { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id },
    outcome: 'success',
    detail: { source: 'keyword', language: match.language, previous_state: before.state },
    at: now,
    actor: PATIENT_ACTOR,
  });
  // The confirmation is essential (the answer to the patient's own action). A keyword delivered
  // so late that the window has closed gets none: free text would fail at Meta.
  if (isWindowOpen(message.sentAt, now)) {
    const text = confirmationText(match);
    await queueOutbound(client, deps, {
      conversation,
      stored: { $case: 'text', value: { body: text } },
      command: async (seal) => ({ $case: 'text', value: { body: await seal(text), previewUrl: false } }),
      sentBy: null,
      now,
    });
  }
  deps.logger.info({ tenant_id: tenantId, conversation_id: conversation.id, consent: state, source: 'keyword' }, 'consent changed');
  return match;
}

/** patient.preference.changed.v1: Meta's marketing stop/resume, per tenant and patient. */
export function createApplyPatientPreference(deps: UseCaseDeps) {
  return async (client: PoolClient, event: PatientPreferenceChangedV1, context: EventContext): Promise<void> => {
    const tenantId = context.tenantId;
    if (event.tenantId.toLowerCase() !== tenantId.toLowerCase()) throw invalidEvent('tenant_id differs from the envelope tenant');
    if (event.waIdHash === '') throw invalidEvent('wa_id_hash is empty');
    if (event.changedAt === undefined) throw invalidEvent('changed_at is missing');
    const stop = event.value === PatientPreferenceValue.PATIENT_PREFERENCE_VALUE_STOP;
    const resume = event.value === PatientPreferenceValue.PATIENT_PREFERENCE_VALUE_RESUME;
    // Only marketing exists today; another category (or value) would need its own rule.
    if ((!stop && !resume) || event.category !== 'marketing_messages') {
      deps.logger.info({ tenant_id: tenantId, event_id: context.id, category: event.category }, 'patient preference not handled');
      return;
    }
    const now = deps.clock();
    const before = await getConsent(client, tenantId, event.waIdHash, { lock: true });
    if (before.marketingStopped === stop) return;
    const after: ConsentRecord = { ...before, marketingStopped: stop };
    await saveConsent(client, tenantId, event.waIdHash, after, now, { source: 'user_preferences', by: 'patient', at: event.changedAt });
    await recordAudit(client, { tenantId, actor: 'patient', roles: [] }, {
      action: stop ? AUDIT_ACTIONS.marketingStopped : AUDIT_ACTIONS.marketingResumed,
      resource: { type: 'patient_consent', id: '' },
      patient: { waIdHash: event.waIdHash, patientId: null },
      outcome: 'success',
      detail: { source: 'user_preferences', phone_number_id: event.phoneNumberId },
      at: now,
      actor: PATIENT_ACTOR,
    });
    deps.logger.info({ tenant_id: tenantId, event_id: context.id, marketing_stopped: stop }, 'marketing preference changed');
  };
}
