import type { Principal } from '@careline/auth';
import { BreakGlassReason } from '@careline/contracts';
import { internalError } from '@careline/runtime';
import { callerOf } from '../auth/principal';
import { type BREAK_GLASS_REASONS, type BreakGlassGrantView, type ConversationView, toConversationView } from '../schemas/conversations';
import { type InboxDeps, assertSameTenant } from './deps';

const REASONS: Record<(typeof BREAK_GLASS_REASONS)[number], BreakGlassReason> = {
  emergency_treatment: BreakGlassReason.BREAK_GLASS_REASON_EMERGENCY_TREATMENT,
  patient_request: BreakGlassReason.BREAK_GLASS_REASON_PATIENT_REQUEST,
  clinical_handover: BreakGlassReason.BREAK_GLASS_REASON_CLINICAL_HANDOVER,
  other: BreakGlassReason.BREAK_GLASS_REASON_OTHER,
};

/** Restricts a conversation (a sensitive patient) or lifts it; messaging audits the change. */
export function createSetRestriction({ messaging, clock }: InboxDeps) {
  return async function setRestriction(principal: Principal, conversationId: string, restricted: boolean): Promise<ConversationView> {
    const { conversation } = await messaging.setConversationRestriction(callerOf(principal), { conversationId, restricted });
    if (conversation === undefined) throw internalError('upstream_invalid_response', 'messaging answered without the conversation.');
    assertSameTenant(principal, conversation);
    return toConversationView(conversation, clock());
  };
}

export interface BreakGlassInput {
  reason: (typeof BREAK_GLASS_REASONS)[number];
  justification: string;
  durationMinutes?: number | undefined;
}

/** Emergency access to one restricted conversation; the grant and every access under it are audited by messaging. */
export function createBreakGlass({ messaging, clock }: InboxDeps) {
  return async function breakGlass(principal: Principal, conversationId: string, input: BreakGlassInput): Promise<BreakGlassGrantView> {
    const response = await messaging.breakGlass(callerOf(principal), {
      conversationId,
      reason: REASONS[input.reason],
      justification: input.justification,
      durationMinutes: input.durationMinutes ?? 0,
    });
    if (response.conversation === undefined || response.expiresAt === undefined) {
      throw internalError('upstream_invalid_response', 'messaging answered without the grant.');
    }
    assertSameTenant(principal, response.conversation);
    return {
      grantId: response.grantId,
      expiresAt: response.expiresAt.toISOString(),
      conversation: toConversationView(response.conversation, clock()),
    };
  };
}
