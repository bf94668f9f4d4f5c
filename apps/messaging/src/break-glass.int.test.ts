// Restricted conversations and break-glass (HIPAA 164.312(a)(2)(ii)): a sensitive patient's
// conversation shows no name, number or preview and opens for nobody until a clinician or nurse
// states a reason; the grant is personal, ends on time, and every step is in the audit log with a
// high severity, without the written justification (which stays sealed in messaging's table).
import { randomUUID } from 'node:crypto';
import { type AuditEventV1, AuditOutcome, BreakGlassReason, TOPICS, auditEvent } from '@careline/contracts';
import { readTopic } from '@careline/bus/testing';
import { fromGrpcError, metadataForCaller } from '@careline/runtime';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, publishPatientText, randomWaId, startHarness } from './int-test-support';

const PROFILE_NAME = 'Ada Lovelace';
const PATIENT_TEXT = 'I need to talk about my diagnosis';
const JUSTIFICATION = 'Patient collapsed in the waiting room, need her recent messages';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; kind: string }> {
  try {
    await promise;
  } catch (error) {
    const domain = fromGrpcError(error);
    return { code: domain.code, kind: domain.kind };
  }
  throw new Error('expected the call to fail');
}

describe('restricted conversations and break-glass', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  const as = (tenantId: string, actor: string, role: string) => metadataForCaller({ tenantId, actor, roles: [role] });

  async function restrictedConversation(tenantId: string) {
    const inbound = await publishPatientText(h, {
      tenantId,
      waId: randomWaId(),
      text: PATIENT_TEXT,
      sentAt: new Date(Math.floor(h.now().getTime() / 1000) * 1000 - 60_000),
      profileName: PROFILE_NAME,
    });
    const conversation = await waitFor(
      async () =>
        (await h.client.listConversations({}, as(tenantId, 'user:setup', 'nurse'))).conversations.find(
          (c) => c.patientWaIdHash === inbound.waIdHash,
        ),
      { message: 'the conversation to appear', timeoutMs: 30_000 },
    );
    expect(conversation.restricted).toBe(false);
    expect(conversation.patientDisplayName).toBe(PROFILE_NAME);
    const { conversation: restricted } = await h.client.setConversationRestriction(
      { conversationId: conversation.id, restricted: true },
      as(tenantId, 'user:dr-admin', 'clinician'),
    );
    return { id: conversation.id, restricted, inbound };
  }

  async function auditEventsUntil(tenantId: string, lastActor: string): Promise<{ event: AuditEventV1; raw: string }[]> {
    const decode = (records: readonly { value: Buffer | null }[]) =>
      records
        .map((record) => ({ raw: (record.value ?? Buffer.alloc(0)).toString('latin1'), event: auditEvent.decode(record.value ?? new Uint8Array()) }))
        .filter((entry) => entry.event.tenantId === tenantId);
    return decode(
      await readTopic(h.kafka, TOPICS.auditEvents, {
        until: (read) => decode(read).some((entry) => entry.event.actor?.id === lastActor),
        timeoutMs: 30_000,
      }),
    );
  }

  it('withholds a restricted conversation until a grant, which is personal, audited and ends on time', async () => {
    const tenant = randomUUID();
    const { id, restricted } = await restrictedConversation(tenant);
    expect(restricted).toMatchObject({ restricted: true, patientDisplayName: '', patientPhoneNumber: '', lastMessagePreview: '' });

    // listed, but without who or what
    const listed = (await h.client.listConversations({}, as(tenant, 'user:nurse-a', 'nurse'))).conversations.find((c) => c.id === id);
    expect(listed).toMatchObject({ restricted: true, patientDisplayName: '', patientPhoneNumber: '', lastMessagePreview: '' });
    expect(listed?.breakGlassUntil).toBeUndefined();

    // nothing opens without a grant
    const nurseA = as(tenant, 'user:nurse-a', 'nurse');
    expect(await refusal(h.client.getConversation({ conversationId: id }, nurseA))).toEqual({ code: 'break_glass_required', kind: 'permission_denied' });
    expect(await refusal(h.client.listMessages({ conversationId: id }, nurseA))).toMatchObject({ code: 'break_glass_required' });
    expect(
      await refusal(h.client.sendText({ conversationId: id, text: 'Hello', idempotencyKey: randomUUID() }, nurseA)),
    ).toMatchObject({ code: 'break_glass_required' });

    // front desk may not break glass; a reason, a real justification and a bounded duration are required
    expect(
      await refusal(
        h.client.breakGlass(
          { conversationId: id, reason: BreakGlassReason.BREAK_GLASS_REASON_EMERGENCY_TREATMENT, justification: JUSTIFICATION },
          as(tenant, 'user:desk', 'front_desk'),
        ),
      ),
    ).toEqual({ code: 'permission_denied', kind: 'permission_denied' });
    for (const bad of [
      { reason: BreakGlassReason.BREAK_GLASS_REASON_UNSPECIFIED, justification: JUSTIFICATION },
      { reason: BreakGlassReason.BREAK_GLASS_REASON_OTHER, justification: 'because' },
      { reason: BreakGlassReason.BREAK_GLASS_REASON_OTHER, justification: JUSTIFICATION, durationMinutes: 61 },
    ]) {
      expect(await refusal(h.client.breakGlass({ conversationId: id, ...bad }, nurseA))).toEqual({
        code: 'invalid_break_glass',
        kind: 'invalid_argument',
      });
    }

    const grantedAt = h.now();
    const grant = await h.client.breakGlass(
      { conversationId: id, reason: BreakGlassReason.BREAK_GLASS_REASON_EMERGENCY_TREATMENT, justification: JUSTIFICATION, durationMinutes: 5 },
      nurseA,
    );
    expect(grant.expiresAt!.getTime() - grantedAt.getTime()).toBeGreaterThanOrEqual(5 * 60_000 - 1000);
    expect(grant.expiresAt!.getTime() - grantedAt.getTime()).toBeLessThanOrEqual(5 * 60_000 + 1000);
    expect(grant.conversation).toMatchObject({ restricted: true, patientDisplayName: PROFILE_NAME, breakGlassUntil: grant.expiresAt });

    const { conversation } = await h.client.getConversation({ conversationId: id }, nurseA);
    expect(conversation?.patientDisplayName).toBe(PROFILE_NAME);
    const { messages } = await h.client.listMessages({ conversationId: id }, nurseA);
    expect(messages.map((m) => (m.content?.$case === 'text' ? m.content.value.body : ''))).toEqual([PATIENT_TEXT]);
    const inList = (await h.client.listConversations({}, nurseA)).conversations.find((c) => c.id === id);
    expect(inList).toMatchObject({ patientDisplayName: PROFILE_NAME, breakGlassUntil: grant.expiresAt });

    // the grant is the nurse's own
    expect(await refusal(h.client.getConversation({ conversationId: id }, as(tenant, 'user:nurse-b', 'nurse')))).toMatchObject({
      code: 'break_glass_required',
    });

    // and it ends on time
    try {
      h.setNow(new Date(grant.expiresAt!.getTime() + 1000));
      expect(await refusal(h.client.getConversation({ conversationId: id }, nurseA))).toMatchObject({ code: 'break_glass_required' });
    } finally {
      h.setNow(undefined);
    }

    // lifting the restriction opens it to everyone with the role again
    await h.client.setConversationRestriction({ conversationId: id, restricted: false }, as(tenant, 'user:dr-admin', 'clinician'));
    const { conversation: lifted } = await h.client.getConversation({ conversationId: id }, as(tenant, 'user:last', 'nurse'));
    expect(lifted).toMatchObject({ restricted: false, patientDisplayName: PROFILE_NAME });

    const entries = await auditEventsUntil(tenant, 'user:last');
    const of = (actor: string, action: string) => entries.filter((e) => e.event.actor?.id === actor && e.event.action === action).map((e) => e.event);
    expect(of('user:dr-admin', 'conversation.restriction_changed').map((e) => e.detail.restricted)).toEqual(['true', 'false']);
    const [granted, ...moreGrants] = of('user:nurse-a', 'break_glass.granted').filter((e) => e.outcome === AuditOutcome.AUDIT_OUTCOME_SUCCESS);
    expect(moreGrants).toEqual([]);
    expect(granted).toMatchObject({
      resource: { type: 'conversation', id },
      detail: { severity: 'high', break_glass_grant: grant.grantId, reason_code: 'emergency_treatment', duration_minutes: '5' },
    });
    // the refusals before the grant and after its end, and the reads under it
    const reads = of('user:nurse-a', 'conversation.read');
    expect(reads.map((e) => [e.outcome, e.detail.reason ?? e.detail.break_glass_grant])).toEqual([
      [AuditOutcome.AUDIT_OUTCOME_DENIED, 'break_glass_required'],
      [AuditOutcome.AUDIT_OUTCOME_SUCCESS, grant.grantId],
      [AuditOutcome.AUDIT_OUTCOME_DENIED, 'break_glass_required'],
    ]);
    expect(of('user:nurse-a', 'messages.read').at(-1)?.detail).toMatchObject({ break_glass_grant: grant.grantId, severity: 'high' });
    expect(of('user:desk', 'break_glass.granted')).toMatchObject([
      { outcome: AuditOutcome.AUDIT_OUTCOME_DENIED, detail: { reason: 'permission_denied' } },
    ]);
    for (const entry of entries) {
      for (const secret of [JUSTIFICATION, PROFILE_NAME, PATIENT_TEXT]) expect(entry.raw).not.toContain(secret);
    }

    // the justification is kept for reviewers, sealed
    const { rows } = await h.db.adminPool.query<{ justification_sealed: Buffer; reason: string }>(
      'SELECT justification_sealed, reason FROM messaging.break_glass_grants WHERE id = $1',
      [grant.grantId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.reason).toBe('emergency_treatment');
    expect(rows[0]?.justification_sealed.toString('latin1')).not.toContain('collapsed');
  });

  it('refuses break-glass on a conversation that is not restricted, and restricting needs the permission', async () => {
    const tenant = randomUUID();
    const { id } = await restrictedConversation(tenant);
    await h.client.setConversationRestriction({ conversationId: id, restricted: false }, as(tenant, 'user:dr', 'clinician'));
    expect(
      await refusal(
        h.client.breakGlass({ conversationId: id, reason: BreakGlassReason.BREAK_GLASS_REASON_OTHER, justification: JUSTIFICATION }, as(tenant, 'user:n', 'nurse')),
      ),
    ).toEqual({ code: 'not_restricted', kind: 'failed_precondition' });
    expect(
      await refusal(h.client.setConversationRestriction({ conversationId: id, restricted: true }, as(tenant, 'user:n', 'nurse'))),
    ).toMatchObject({ code: 'permission_denied' });
    // another tenant's id is unknown, for restricting as for breaking glass
    const other = randomUUID();
    expect(
      await refusal(h.client.setConversationRestriction({ conversationId: id, restricted: true }, as(other, 'user:dr', 'clinician'))),
    ).toMatchObject({ code: 'conversation_not_found' });
    expect(
      await refusal(
        h.client.breakGlass({ conversationId: id, reason: BreakGlassReason.BREAK_GLASS_REASON_OTHER, justification: JUSTIFICATION }, as(other, 'user:n', 'nurse')),
      ),
    ).toMatchObject({ code: 'conversation_not_found' });
  });
});
