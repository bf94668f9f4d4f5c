// Audit emission: every MessagingService call that reads or writes patient data puts exactly one
// AuditEventV1 on audit.events.v1 (through the outbox, in the call's transaction), with the actor,
// the action, the patient and the outcome, and no patient data in clear.
import { randomUUID } from 'node:crypto';
import { type AuditEventV1, AuditActorType, AuditOutcome, TOPICS, auditEvent } from '@careline/contracts';
import { readTopic } from '@careline/bus/testing';
import { metadataForCaller } from '@careline/runtime';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, nurse, publishPatientText, randomWaId, startHarness } from './int-test-support';

const PATIENT_TEXT = 'My chest hurts since this morning';
const PROFILE_NAME = 'Grace Hopper';

describe('messaging audit events', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  /** Every audit event of `tenantId` up to (and including) the first one by `lastActor`. */
  async function auditEventsUntil(tenantId: string, lastActor: string) {
    const decoded = (records: readonly { key: string | null; value: Buffer | null }[]) =>
      records.map((record) => ({ key: record.key, raw: record.value ?? Buffer.alloc(0), event: auditEvent.decode(record.value ?? new Uint8Array()) }))
        .filter((entry) => entry.event.tenantId === tenantId);
    const records = await readTopic(h.kafka, TOPICS.auditEvents, {
      until: (read) => decoded(read).some((entry) => entry.event.actor?.id === lastActor),
      timeoutMs: 30_000,
    });
    return decoded(records);
  }

  it('emits one event per call with actor, action, patient ref and outcome, including refusals', async () => {
    const tenant = randomUUID();
    const waId = randomWaId();
    const sentAt = new Date(Math.floor(h.now().getTime() / 1000) * 1000 - 60_000);
    const inbound = await publishPatientText(h, { tenantId: tenant, waId, text: PATIENT_TEXT, sentAt, profileName: PROFILE_NAME });
    const poller = metadataForCaller({ tenantId: tenant, actor: 'user:poller', roles: ['nurse'] });
    const conversation = await waitFor(
      async () => (await h.client.listConversations({}, poller)).conversations.find((c) => c.patientWaIdHash === inbound.waIdHash),
      { message: 'the conversation to appear', timeoutMs: 30_000 },
    );

    // one actor per call, so that "exactly one event" can be counted per call
    const as = (actor: string, roles: string[] = ['nurse']) => metadataForCaller({ tenantId: tenant, actor, roles });
    await h.client.listConversations({}, as('user:lister'));
    await h.client.getConversation({ conversationId: conversation.id }, as('user:reader'));
    await h.client.listMessages({ conversationId: conversation.id }, as('user:clinician', ['clinician']));
    // roles are checked again here, not only in api: an integration client may not read chats,
    // an auditor may not send; both refusals are audited
    await expect(h.client.listMessages({ conversationId: conversation.id }, as('integration:ehr', ['integration']))).rejects.toThrow(
      /permission/i,
    );
    await expect(
      h.client.sendText({ conversationId: conversation.id, text: 'Hello', idempotencyKey: randomUUID() }, as('user:auditor', ['auditor'])),
    ).rejects.toThrow(/permission/i);
    const { message } = await h.client.sendText(
      { conversationId: conversation.id, text: 'We are calling you now', idempotencyKey: randomUUID() },
      as('user:sender'),
    );
    const unknownId = randomUUID();
    await expect(h.client.getConversation({ conversationId: unknownId }, as('user:prober'))).rejects.toThrow();

    // the window closes: the refusal is audited as denied
    h.setNow(new Date(sentAt.getTime() + 25 * 3_600_000));
    try {
      await expect(
        h.client.sendText({ conversationId: conversation.id, text: 'Too late', idempotencyKey: randomUUID() }, as('user:late')),
      ).rejects.toThrow();
    } finally {
      h.setNow(undefined);
    }
    // last, on the same tenant key (one partition, outbox order): once it is read, all above are
    await h.client.listConversations({}, as('user:last'));

    const entries = await auditEventsUntil(tenant, 'user:last');
    const byActor = (actor: string): AuditEventV1[] => entries.filter((e) => e.event.actor?.id === actor).map((e) => e.event);
    const only = (actor: string): AuditEventV1 => {
      const events = byActor(actor);
      expect(events, actor).toHaveLength(1);
      return events[0]!;
    };

    const staff = AuditActorType.AUDIT_ACTOR_TYPE_STAFF;
    expect(only('user:lister')).toMatchObject({
      tenantId: tenant,
      actor: { type: staff, id: 'user:lister' },
      action: 'conversation.list',
      patientWaIdHash: '',
      resource: { type: 'conversation_list', id: '' },
      outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
    });
    expect(only('user:lister').detail.conversation_ids).toBe(conversation.id);
    expect(only('user:reader')).toMatchObject({
      action: 'conversation.read',
      actor: { type: staff },
      patientWaIdHash: inbound.waIdHash,
      resource: { type: 'conversation', id: conversation.id },
      outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
    });
    expect(only('user:clinician')).toMatchObject({
      action: 'messages.read',
      actor: { type: staff },
      patientWaIdHash: inbound.waIdHash,
      resource: { type: 'conversation', id: conversation.id },
      outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
      detail: { count: '1', message_ids: inbound.messageId },
    });
    expect(only('integration:ehr')).toMatchObject({
      action: 'messages.read',
      actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION },
      resource: { type: 'conversation', id: conversation.id },
      outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
      detail: { reason: 'permission_denied', permission: 'conversations:read' },
    });
    expect(only('user:auditor')).toMatchObject({
      action: 'message.send',
      outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
      detail: { reason: 'permission_denied', permission: 'messages:send' },
    });
    expect(only('user:sender')).toMatchObject({
      action: 'message.send',
      patientWaIdHash: inbound.waIdHash,
      resource: { type: 'message', id: message?.id },
      outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
      detail: { conversation_id: conversation.id },
    });
    expect(only('user:prober')).toMatchObject({
      action: 'conversation.read',
      patientWaIdHash: '',
      resource: { type: 'conversation', id: unknownId },
      outcome: AuditOutcome.AUDIT_OUTCOME_FAILURE,
      detail: { reason: 'conversation_not_found' },
    });
    expect(only('user:late')).toMatchObject({
      action: 'message.send',
      patientWaIdHash: inbound.waIdHash,
      resource: { type: 'conversation', id: conversation.id },
      outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
      detail: { reason: 'window_closed' },
    });
    expect(only('user:late').occurredAt?.getTime()).toBeGreaterThan(sentAt.getTime() + 24 * 3_600_000);

    for (const entry of entries) {
      expect(entry.key).toBe(tenant);
      const raw = entry.raw.toString('latin1');
      for (const secret of [PATIENT_TEXT, PROFILE_NAME, waId, 'We are calling you now']) expect(raw).not.toContain(secret);
    }
  });

  it('emits nothing for calls refused before the caller is known or before any data is read', async () => {
    const tenant = randomUUID();
    await expect(h.client.listConversations({}, metadataForCaller({ actor: 'user:nobody', roles: ['nurse'] }))).rejects.toThrow();
    await expect(h.client.getConversation({ conversationId: 'not-a-uuid' }, nurse(tenant))).rejects.toThrow();
    await h.client.listConversations({}, metadataForCaller({ tenantId: tenant, actor: 'user:last', roles: ['nurse'] }));
    const entries = await auditEventsUntil(tenant, 'user:last');
    expect(entries.map((e) => e.event.actor?.id)).toEqual(['user:last']);
  });
});
