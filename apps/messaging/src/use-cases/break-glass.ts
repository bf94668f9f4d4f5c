// Break-glass (HIPAA 164.312(a)(2)(ii), emergency access procedure): a clinician or nurse opens a
// restricted conversation for a limited time by saying why. The grant, its reason code and its
// end are a high-severity audit event (`break_glass.granted`); the written justification may name
// clinical facts, so it is kept sealed with the grant (for reviewers) and never put in the event.
// Refused (and audited) for a conversation that is not restricted: break-glass is for exceptions,
// and a grant nobody needed would only add noise to the reviews.
import { randomUUID } from 'node:crypto';
import { type BreakGlassRequest, type BreakGlassResponse, BreakGlassReason } from '@careline/contracts';
import { isUuid, withTenant } from '@careline/db';
import { type DomainError } from '@careline/runtime';
import { type BreakGlassReasonName, insertGrant } from '../db/break-glass';
import { getConversation } from '../db/conversations';
import { conversationNotFound, invalidBreakGlass, notRestricted } from '../domain/errors';
import { atRestContext } from '../domain/sealing';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { conversationView } from './views';

export const BREAK_GLASS_LIMITS = {
  justificationMin: 10,
  justificationMax: 500,
  defaultMinutes: 30,
  maxMinutes: 60,
} as const;

const REASONS: Partial<Record<BreakGlassReason, BreakGlassReasonName>> = {
  [BreakGlassReason.BREAK_GLASS_REASON_EMERGENCY_TREATMENT]: 'emergency_treatment',
  [BreakGlassReason.BREAK_GLASS_REASON_PATIENT_REQUEST]: 'patient_request',
  [BreakGlassReason.BREAK_GLASS_REASON_CLINICAL_HANDOVER]: 'clinical_handover',
  [BreakGlassReason.BREAK_GLASS_REASON_OTHER]: 'other',
};

export type BreakGlass = (caller: TenantCaller, request: BreakGlassRequest) => Promise<BreakGlassResponse>;

interface Validated {
  reason: BreakGlassReasonName;
  justification: string;
  minutes: number;
}

export function validateBreakGlass(request: BreakGlassRequest): Validated {
  const reason = REASONS[request.reason];
  if (reason === undefined) throw invalidBreakGlass('A reason is required: emergency_treatment, patient_request, clinical_handover or other.');
  const justification = request.justification.trim();
  const length = [...justification].length;
  if (length < BREAK_GLASS_LIMITS.justificationMin || length > BREAK_GLASS_LIMITS.justificationMax) {
    throw invalidBreakGlass(
      `The justification must be ${BREAK_GLASS_LIMITS.justificationMin} to ${BREAK_GLASS_LIMITS.justificationMax} characters.`,
    );
  }
  const minutes = request.durationMinutes === 0 ? BREAK_GLASS_LIMITS.defaultMinutes : request.durationMinutes;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > BREAK_GLASS_LIMITS.maxMinutes) {
    throw invalidBreakGlass(`The duration must be 1 to ${BREAK_GLASS_LIMITS.maxMinutes} minutes.`);
  }
  return { reason, justification, minutes };
}

export function createBreakGlass(deps: UseCaseDeps): BreakGlass {
  return async (caller, request) => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const valid = validateBreakGlass(request);
    const outcome = await withTenant(deps.pool, caller.tenantId, async (client): Promise<{ refused: DomainError } | BreakGlassResponse> => {
      const now = deps.clock();
      const resource = { type: 'conversation', id: request.conversationId.toLowerCase() };
      const conversation = await getConversation(client, caller.tenantId, request.conversationId);
      if (conversation === undefined) {
        await recordAudit(client, caller, {
          action: AUDIT_ACTIONS.breakGlass,
          resource,
          outcome: 'failure',
          detail: { reason: 'conversation_not_found', severity: 'high' },
          at: now,
        });
        return { refused: conversationNotFound() };
      }
      const patient = { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id };
      if (!conversation.restricted) {
        await recordAudit(client, caller, {
          action: AUDIT_ACTIONS.breakGlass,
          resource,
          patient,
          outcome: 'failure',
          detail: { reason: 'not_restricted' },
          at: now,
        });
        return { refused: notRestricted(conversation.id) };
      }
      const grantId = randomUUID();
      const expiresAt = new Date(now.getTime() + valid.minutes * 60_000);
      await insertGrant(client, {
        id: grantId,
        tenantId: caller.tenantId,
        conversationId: conversation.id,
        actor: caller.actor,
        reason: valid.reason,
        justificationSealed: await deps.atRest.seal(caller.tenantId, valid.justification, atRestContext.breakGlassJustification(grantId)),
        grantedAt: now,
        expiresAt,
      });
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.breakGlass,
        resource,
        patient,
        outcome: 'success',
        detail: {
          severity: 'high',
          break_glass_grant: grantId,
          reason_code: valid.reason,
          duration_minutes: String(valid.minutes),
          expires_at: expiresAt.toISOString(),
        },
        at: now,
      });
      deps.logger.warn(
        { tenant_id: caller.tenantId, conversation_id: conversation.id, grant_id: grantId, actor: caller.actor, reason_code: valid.reason },
        'break-glass access granted',
      );
      return {
        grantId,
        expiresAt,
        conversation: await conversationView(deps.atRest, conversation, { breakGlassUntil: expiresAt }),
      };
    });
    if ('refused' in outcome) throw outcome.refused;
    return outcome;
  };
}
