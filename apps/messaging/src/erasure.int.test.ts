// Retention and erasure (issue 7) against real Postgres and Kafka: a patient's values are sealed
// with their own key; ErasePatient deletes their rows and destroys the key so that a ciphertext
// copied before no longer opens, leaves other patients and tenants (and values sealed with the
// tenant key before per-patient keys) readable, answers a second call the same, and is audited
// `patient.erased`; the retention job erases only conversations past the tenant's policy, once,
// even with two runners.
import { randomUUID } from 'node:crypto';
import { type Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  type AddNoteRequest,
  type AddNoteResponse,
  type AuditEventV1,
  AuditOutcome,
  MessagingServiceClient,
  Sealed,
  TOPICS,
  auditEvent,
} from '@careline/contracts';
import { readTopic } from '@careline/bus/testing';
import { DecryptionError, createAtRest, createLocalKeyProvider } from '@careline/crypto';
import { type Pool, withTenant } from '@careline/db';
import { metadataForCaller } from '@careline/runtime';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeContent } from './domain/content';
import { atRestContext } from './domain/sealing';
import { type Harness, nurse, publishPatientText, randomWaId, startHarness } from './int-test-support';
import { createPatientKeys } from './use-cases/patient-keys';
import { createRetentionJob } from './use-cases/retention';

const MARKER = 'ERASEMARKER-7f3a my private symptoms';
const REASON = 'Patient request #4711 under GDPR art. 17';
const admin = (tenantId: string) => metadataForCaller({ tenantId, actor: 'user:admin-1', roles: ['admin'] });

let h: Harness;
let client: MessagingServiceClient;

type Unary<Req, Res> = (request: Req, metadata: Metadata, cb: (error: ServiceError | null, response: Res) => void) => unknown;
function rpc<Req, Res>(method: Unary<Req, Res>) {
  return (request: Req, metadata: Metadata): Promise<Res> =>
    new Promise((resolve, reject) => method.call(client, request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

async function failure(promise: Promise<unknown>): Promise<{ code: number; errorCode: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as ServiceError;
    return { code: e.code, errorCode: e.metadata.get('x-careline-error-code')[0] };
  }
  throw new Error('expected the call to fail');
}

const pool = (): Pool => h.app.pool;
const query = async (tenantId: string, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> =>
  withTenant(pool(), tenantId, async (c) => (await c.query(sql, params)).rows as Record<string, unknown>[]);

/** A patient's message, waited for until messaging stored it; returns the conversation. */
async function patientWrites(tenantId: string, waId: string, text: string) {
  const inbound = await publishPatientText(h, {
    tenantId,
    waId,
    text,
    sentAt: new Date(Math.floor(h.now().getTime() / 1000) * 1000 - 60_000),
    profileName: 'Grace Hopper',
  });
  const conversation = await waitFor(
    async () => (await h.client.listConversations({}, nurse(tenantId))).conversations.find((c) => c.patientWaIdHash === inbound.waIdHash),
    { message: 'the conversation to appear', timeoutMs: 30_000 },
  );
  await waitFor(
    async () => (await h.client.listMessages({ conversationId: conversation.id }, nurse(tenantId))).messages.some((m) => m.id === inbound.messageId),
    { message: 'the message to be stored', timeoutMs: 30_000 },
  );
  return { conversation, inbound };
}

const keyRefOf = (stored: unknown): string => Sealed.decode(stored as Uint8Array).keyRef;
const texts = (messages: readonly { content?: { $case: string; value: unknown } | undefined }[]): string[] =>
  messages.map((m) => (m.content?.$case === 'text' ? (m.content.value as { body: string }).body : ''));

async function auditEventsUntil(tenantId: string, done: (events: AuditEventV1[]) => boolean): Promise<{ event: AuditEventV1; raw: string }[]> {
  const decode = (records: readonly { value: Buffer | null }[]) =>
    records
      .map((record) => ({ raw: (record.value ?? Buffer.alloc(0)).toString('latin1'), event: auditEvent.decode(record.value ?? new Uint8Array()) }))
      .filter((entry) => entry.event.tenantId === tenantId);
  return decode(
    await readTopic(h.kafka, TOPICS.auditEvents, { until: (read) => done(decode(read).map((e) => e.event)), timeoutMs: 30_000 }),
  );
}

beforeAll(async () => {
  h = await startHarness();
  client = new MessagingServiceClient(`127.0.0.1:${h.app.grpc.port()}`, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await h?.close();
});

describe('ErasePatient (crypto-shredding)', () => {
  it('seals with the patient key, erases the rows and the key, and leaves everyone else readable', async () => {
    const tenant = randomUUID();
    const otherTenant = randomUUID();
    const patientWaId = randomWaId();
    const { conversation, inbound } = await patientWrites(tenant, patientWaId, MARKER);
    const neighbour = await patientWrites(tenant, randomWaId(), 'the neighbour keeps this');
    const foreign = await patientWrites(otherTenant, patientWaId, 'another hospital keeps this');

    // a reply and a note, both about the patient
    await h.client.sendText({ conversationId: conversation.id, text: `Reply about ${MARKER}`, idempotencyKey: randomUUID() }, nurse(tenant));
    await rpc<AddNoteRequest, AddNoteResponse>(client.addNote)({ conversationId: conversation.id, body: `Note: ${MARKER}` }, nurse(tenant));

    // every patient-specific column carries the patient key's ref
    const [message] = await query(tenant, 'SELECT content_sealed FROM messaging.messages WHERE id = $1', [inbound.messageId]);
    const [row] = await query(
      tenant,
      'SELECT wa_id_sealed, display_name_sealed, last_message_preview_sealed FROM messaging.conversations WHERE id = $1',
      [conversation.id],
    );
    const [note] = await query(tenant, 'SELECT body_sealed FROM messaging.conversation_notes WHERE conversation_id = $1', [conversation.id]);
    const [key] = await query(tenant, 'SELECT id FROM messaging.patient_keys WHERE wa_id_hash = $1', [inbound.waIdHash]);
    const patientRef = `messaging/patient/${String(key?.id)}`;
    for (const stored of [message?.content_sealed, row?.wa_id_sealed, row?.display_name_sealed, row?.last_message_preview_sealed, note?.body_sealed]) {
      expect(keyRefOf(stored)).toBe(patientRef);
    }
    // the other patient has a key of their own
    const [neighbourKey] = await query(tenant, 'SELECT id FROM messaging.patient_keys WHERE wa_id_hash = $1', [neighbour.inbound.waIdHash]);
    expect(neighbourKey?.id).not.toBe(key?.id);

    // a copy of the ciphertext taken before the erasure (a backup), and a reader with no cache
    const copied = message?.content_sealed as Uint8Array;
    const context = atRestContext.messageContent(inbound.messageId);
    const reader = () =>
      createPatientKeys({ provider: createLocalKeyProvider({ masterKey: h.masterKey }), keyPool: pool(), clock: h.now, cacheTtlMs: 0 });
    expect(Buffer.from(await reader().atRest.open(tenant, copied, context)).toString('latin1')).toContain(MARKER);

    // a value sealed with the tenant key before per-patient keys (a legacy row) stays readable
    const legacyId = randomUUID();
    const legacy = createAtRest(h.sealer);
    await query(
      tenant,
      `INSERT INTO messaging.messages (id, tenant_id, conversation_id, direction, wamid, content_kind, content_sealed, state, state_at, created_at, stored_at)
       VALUES ($1, $2, $3, 'inbound', $4, 'text', $5, 'received', $6, $6, $6)`,
      [
        legacyId,
        tenant,
        neighbour.conversation.id,
        `wamid.legacy${legacyId.slice(0, 8)}`,
        await legacy.seal(tenant, encodeContent({ $case: 'text', value: { body: 'legacy tenant-key text' } }), atRestContext.messageContent(legacyId)),
        new Date(h.now().getTime() - 120_000),
      ],
    );

    // only admin, with a reason
    expect(await failure(h.client.erasePatient({ conversationId: conversation.id, reason: REASON }, nurse(tenant)))).toEqual({
      code: 7,
      errorCode: 'permission_denied',
    });
    expect(await failure(h.client.erasePatient({ conversationId: conversation.id, reason: 'short' }, admin(tenant)))).toEqual({
      code: 3,
      errorCode: 'invalid_erasure',
    });
    // another tenant's admin does not even learn the conversation exists
    expect(await failure(h.client.erasePatient({ conversationId: conversation.id, reason: REASON }, admin(otherTenant)))).toEqual({
      code: 5,
      errorCode: 'conversation_not_found',
    });

    const erased = await h.client.erasePatient({ conversationId: conversation.id, reason: REASON }, admin(tenant));
    expect(erased).toMatchObject({ conversationIds: [conversation.id], messagesErased: 2, notesErased: 1, mediaErased: 0, keyDestroyed: true });
    expect(erased.inboxEventsErased).toBeGreaterThanOrEqual(3);

    // the rows and the key are gone; the copy no longer opens
    expect(await failure(h.client.getConversation({ conversationId: conversation.id }, nurse(tenant)))).toEqual({
      code: 5,
      errorCode: 'conversation_not_found',
    });
    for (const sql of [
      'SELECT 1 FROM messaging.messages WHERE conversation_id = $1',
      'SELECT 1 FROM messaging.conversation_notes WHERE conversation_id = $1',
      'SELECT 1 FROM messaging.inbox_events WHERE conversation_id = $1',
      'SELECT 1 FROM messaging.conversations WHERE id = $1',
    ]) {
      expect(await query(tenant, sql, [conversation.id])).toEqual([]);
    }
    expect(await query(tenant, 'SELECT 1 FROM messaging.patient_keys WHERE id = $1', [key?.id])).toEqual([]);
    await expect(reader().atRest.open(tenant, copied, context)).rejects.toBeInstanceOf(DecryptionError);

    // the fact is kept: ids and counts, the reason sealed with the tenant key (not the patient's)
    const [fact] = await query(tenant, 'SELECT reason_sealed, messages_erased FROM messaging.patient_erasures WHERE id = $1', [erased.erasureId]);
    expect(fact?.messages_erased).toBe(2);
    expect(keyRefOf(fact?.reason_sealed)).toBe('local/v1');

    // idempotent: the same answer
    expect(await h.client.erasePatient({ conversationId: conversation.id, reason: REASON }, admin(tenant))).toEqual(erased);

    // the neighbour, the legacy row and the other tenant's patient (same number) are untouched
    const neighbourMessages = (await h.client.listMessages({ conversationId: neighbour.conversation.id }, nurse(tenant))).messages;
    expect(texts(neighbourMessages)).toEqual(expect.arrayContaining(['the neighbour keeps this', 'legacy tenant-key text']));
    const foreignMessages = (await h.client.listMessages({ conversationId: foreign.conversation.id }, nurse(otherTenant))).messages;
    expect(texts(foreignMessages)).toContain('another hospital keeps this');

    // audited once, high severity, ids and counts only
    const events = await auditEventsUntil(tenant, (read) =>
      read.some((e) => e.action === 'patient.erased' && e.outcome === AuditOutcome.AUDIT_OUTCOME_SUCCESS),
    );
    const erasures = events.filter((e) => e.event.action === 'patient.erased' && e.event.resource?.type === 'patient_erasure');
    expect(erasures).toHaveLength(1);
    expect(erasures[0]?.event).toMatchObject({
      actor: { id: 'user:admin-1' },
      patientWaIdHash: inbound.waIdHash,
      resource: { type: 'patient_erasure', id: erased.erasureId },
      detail: { severity: 'high', trigger: 'staff', messages_erased: '2', notes_erased: '1', key_destroyed: 'true', conversation_ids: conversation.id },
    });
    for (const { raw } of events) {
      expect(raw).not.toContain('ERASEMARKER');
      expect(raw).not.toContain('GDPR');
      expect(raw).not.toContain(patientWaId);
    }
    expect(h.logs.text()).not.toContain('ERASEMARKER');
    expect(h.logs.text()).not.toContain('GDPR');

    // the patient writing again starts afresh: a new conversation under a new key
    const again = await patientWrites(tenant, patientWaId, 'hello again');
    expect(again.conversation.id).not.toBe(conversation.id);
    const [newKey] = await query(tenant, 'SELECT id FROM messaging.patient_keys WHERE wa_id_hash = $1', [inbound.waIdHash]);
    expect(newKey?.id).toBeDefined();
    expect(newKey?.id).not.toBe(key?.id);
    expect(texts((await h.client.listMessages({ conversationId: again.conversation.id }, nurse(tenant))).messages)).toEqual(['hello again']);
  });
});

describe('retention', () => {
  it('validates and stores the policy (tenant:admin)', async () => {
    const tenant = randomUUID();
    expect((await h.client.getRetentionPolicy(admin(tenant))).policy).toMatchObject({ closedConversationDays: 0 });
    expect(await failure(h.client.setRetentionPolicy({ policy: { closedConversationDays: 30, updatedAt: undefined } }, nurse(tenant)))).toEqual({
      code: 7,
      errorCode: 'permission_denied',
    });
    expect(await failure(h.client.setRetentionPolicy({ policy: { closedConversationDays: -1, updatedAt: undefined } }, admin(tenant)))).toEqual({
      code: 3,
      errorCode: 'invalid_retention_policy',
    });
    await h.client.setRetentionPolicy({ policy: { closedConversationDays: 30, updatedAt: undefined } }, admin(tenant));
    expect((await h.client.getRetentionPolicy(admin(tenant))).policy).toMatchObject({ closedConversationDays: 30 });
  });

  it('erases conversations closed longer than the policy, once with two runners', async () => {
    const tenant = randomUUID();
    const keepForever = randomUUID();
    const expired = await patientWrites(tenant, randomWaId(), 'closed long ago');
    const recent = await patientWrites(tenant, randomWaId(), 'closed last week');
    const open = await patientWrites(tenant, randomWaId(), 'still open');
    const elsewhere = await patientWrites(keepForever, randomWaId(), 'no policy here');
    const day = 86_400_000;
    const close = (tenantId: string, id: string, daysAgo: number) =>
      query(tenantId, "UPDATE messaging.conversations SET status = 'closed', closed_at = $2 WHERE id = $1", [id, new Date(h.now().getTime() - daysAgo * day)]);
    await close(tenant, expired.conversation.id, 40);
    await close(tenant, recent.conversation.id, 10);
    await close(keepForever, elsewhere.conversation.id, 4000);
    await h.client.setRetentionPolicy({ policy: { closedConversationDays: 30, updatedAt: undefined } }, admin(tenant));

    let counted = 0;
    const metrics = { windowRefused: () => undefined, retentionErased: (n: number) => void (counted += n) };
    const runner = () =>
      createRetentionJob({
        pool: pool(),
        patientKeys: createPatientKeys({ provider: createLocalKeyProvider({ masterKey: h.masterKey }), keyPool: pool(), clock: h.now }),
        clock: h.now,
        logger: h.logs.logger,
        metrics,
      });
    const [a, b] = await Promise.all([runner().runOnce(), runner().runOnce()]);
    expect(a + b).toBe(1);
    expect(counted).toBe(1);
    expect(await runner().runOnce()).toBe(0);

    expect(await failure(h.client.getConversation({ conversationId: expired.conversation.id }, nurse(tenant)))).toEqual({
      code: 5,
      errorCode: 'conversation_not_found',
    });
    expect(await query(tenant, 'SELECT 1 FROM messaging.messages WHERE conversation_id = $1', [expired.conversation.id])).toEqual([]);
    expect(await query(tenant, 'SELECT 1 FROM messaging.patient_keys WHERE wa_id_hash = $1', [expired.inbound.waIdHash])).toEqual([]);
    for (const [tenantId, kept] of [
      [tenant, recent],
      [tenant, open],
      [keepForever, elsewhere],
    ] as const) {
      expect((await h.client.listMessages({ conversationId: kept.conversation.id }, nurse(tenantId))).messages).toHaveLength(1);
    }
    const events = await auditEventsUntil(tenant, (read) => read.some((e) => e.action === 'patient.erased'));
    const erasures = events.filter((e) => e.event.action === 'patient.erased').map((e) => e.event);
    expect(erasures).toHaveLength(1);
    expect(erasures[0]).toMatchObject({
      actor: { id: 'service:messaging' },
      patientWaIdHash: expired.inbound.waIdHash,
      detail: { trigger: 'retention', conversation_ids: expired.conversation.id, key_destroyed: 'true' },
    });
  });
});
