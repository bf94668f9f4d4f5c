// Audit coverage through real processes: each api endpoint that touches patient data (every
// operation the OpenAPI document marks with a permission), called once, puts exactly one
// AuditEventV1 on audit.events.v1 (under the stack's topic prefix) with the right actor, action,
// patient reference and outcome, and nothing of the patient in clear. Refusals after the caller is
// known are audited too (window closed → denied, unknown id → failure).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createKafka } from '@careline/bus';
import { readTopic } from '@careline/bus/testing';
import { type AuditEventV1, AuditActorType, AuditOutcome, TOPICS, WA_ID_HASH_PURPOSE, auditEvent } from '@careline/contracts';
import { createLocalKeyProvider, createSealer, parseMasterKey } from '@careline/crypto';
import { type JsonResponse, requestJson } from '@careline/stack';
import { testEnv, waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Conversation, type StaffClient, staffClient } from './support/api';
import { useStack } from './support/stack';
import { inboundTextWebhook, postWebhook, randomWaId, sign } from './support/webhooks';

const stack = useStack('audit-coverage');

const PATIENT_TEXT = 'Audit me: my private symptom';
const REPLY_TEXT = 'Audit me: the private reply';

const documentSchema = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.looseObject({ operationId: z.string(), 'x-careline-permission': z.string().optional() }))),
});

interface Expected {
  action: string;
  resourceType: string;
  /** The patient is named (wa_id hash) when the call concerns one conversation. */
  patient: boolean;
}

/** What each patient-data endpoint must record; an endpoint missing here fails the test. */
const EXPECTED: Record<string, Expected> = {
  listConversations: { action: 'conversation.list', resourceType: 'conversation_list', patient: false },
  getConversation: { action: 'conversation.read', resourceType: 'conversation', patient: true },
  listMessages: { action: 'messages.read', resourceType: 'conversation', patient: true },
  sendText: { action: 'message.send', resourceType: 'message', patient: true },
};

describe('audit coverage of the api', () => {
  it('emits exactly one audit event per patient-data call, with actor, action, patient and outcome', async () => {
    const s = stack();
    const poller = await staffClient(s, { subject: `poller-${randomUUID()}` });
    const waId = randomWaId();
    await s.patientSays(waId, PATIENT_TEXT, { profileName: 'Audrey Audit' });
    const conversation: Conversation = await waitFor(() => poller.conversationWith(waId), {
      message: 'the conversation to be listed',
      timeoutMs: 20_000,
    });

    // a conversation whose window closed (the patient wrote 25 hours ago)
    const closedWaId = randomWaId();
    const old = inboundTextWebhook(s.seed, { waId: closedWaId, text: 'An old question', timestamp: Math.floor(Date.now() / 1000) - 25 * 3600 });
    expect(await postWebhook(s.urls.webhook, old.body, sign(old.body, s.seed.whatsapp.appSecret))).toBe(200);
    const closed = await waitFor(() => poller.conversationWith(closedWaId), { message: 'the closed conversation', timeoutMs: 20_000 });

    const document = documentSchema.parse((await requestJson('GET', s.urls.openapi)).body);
    const patientRoutes = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => operation['x-careline-permission'] !== undefined)
        .map(([method, operation]) => ({ method: method.toUpperCase(), path, operationId: operation.operationId })),
    );
    expect(patientRoutes.map((route) => route.operationId).sort()).toEqual(Object.keys(EXPECTED).sort());

    // one staff member (subject) per call, so that "exactly one event" is counted per call
    const subjects = new Map<string, { operationId: string; response: JsonResponse }>();
    for (const route of patientRoutes) {
      const subject = `${route.operationId}-${randomUUID().slice(0, 8)}`;
      const staff: StaffClient = await staffClient(s, { subject });
      const url = `${s.urls.api}${route.path.replace(/\{[A-Za-z0-9_]+\}/g, conversation.id)}`;
      const response = await requestJson(route.method, url, {
        headers: { authorization: `Bearer ${staff.token}` },
        ...(route.method === 'POST' ? { body: { text: REPLY_TEXT } } : {}),
      });
      expect(response.status, route.operationId).toBeLessThan(300);
      subjects.set(subject, { operationId: route.operationId, response });
    }
    // refusals once the caller is known
    const lateSubject = `late-${randomUUID().slice(0, 8)}`;
    const late = await staffClient(s, { subject: lateSubject });
    expect((await late.reply(closed.id, 'Too late')).status).toBe(409);
    const proberSubject = `prober-${randomUUID().slice(0, 8)}`;
    const prober = await staffClient(s, { subject: proberSubject });
    const unknownId = randomUUID();
    expect((await prober.getConversation(unknownId)).status).toBe(404);
    const lastSubject = `last-${randomUUID().slice(0, 8)}`;
    const last = await staffClient(s, { subject: lastSubject });
    expect((await last.listConversations()).status).toBe(200);

    // every event of the tenant, until the last call's (one key per tenant: one partition, in order)
    const kafka = createKafka({ brokers: testEnv().kafkaBrokers.split(','), clientId: 'e2e-audit-reader', topicPrefix: s.topicPrefix });
    const tenantEvents = (records: readonly { value: Buffer | null }[]) =>
      records
        .map((record) => ({ raw: record.value ?? Buffer.alloc(0), event: auditEvent.decode(record.value ?? new Uint8Array()) }))
        .filter((entry) => entry.event.tenantId === s.seed.tenant.id);
    const records = await readTopic(kafka, TOPICS.auditEvents, {
      until: (read) => tenantEvents(read).some((entry) => entry.event.actor?.id === `user:${lastSubject}`),
      timeoutMs: 30_000,
    });
    const entries = tenantEvents(records);
    const of = (subject: string): AuditEventV1 => {
      const events = entries.filter((entry) => entry.event.actor?.id === `user:${subject}`).map((entry) => entry.event);
      expect(events, subject).toHaveLength(1);
      return events[0]!;
    };

    const masterKey = parseMasterKey(await readFile(s.files.masterKey, 'utf8'));
    const sealer = createSealer(createLocalKeyProvider({ masterKey }));
    const hashOf = (id: string) => sealer.blindIndex(s.seed.tenant.id, WA_ID_HASH_PURPOSE, id);
    const patientHash = await hashOf(waId);

    for (const [subject, { operationId, response }] of subjects) {
      const expected = EXPECTED[operationId]!;
      const event = of(subject);
      expect(event, operationId).toMatchObject({
        actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_STAFF, id: `user:${subject}` },
        action: expected.action,
        patientWaIdHash: expected.patient ? patientHash : '',
        resource: { type: expected.resourceType },
        outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
      });
      if (operationId === 'sendText') expect(event.resource?.id).toBe(z.object({ id: z.string() }).parse(response.body).id);
      else if (expected.resourceType === 'conversation') expect(event.resource?.id).toBe(conversation.id);
    }
    expect(of(lateSubject)).toMatchObject({
      action: 'message.send',
      patientWaIdHash: await hashOf(closedWaId),
      resource: { type: 'conversation', id: closed.id },
      outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
      detail: { reason: 'window_closed' },
    });
    expect(of(proberSubject)).toMatchObject({
      action: 'conversation.read',
      patientWaIdHash: '',
      resource: { type: 'conversation', id: unknownId },
      outcome: AuditOutcome.AUDIT_OUTCOME_FAILURE,
      detail: { reason: 'conversation_not_found' },
    });

    // ids only: nothing of the patients in clear in any audit event
    for (const { raw } of entries) {
      const text = raw.toString('latin1');
      for (const secret of [waId, closedWaId, PATIENT_TEXT, REPLY_TEXT, 'Audrey Audit', 'Too late']) expect(text).not.toContain(secret);
    }
  });
});
