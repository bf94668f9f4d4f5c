// The inbox end to end inside messaging: events published as ingest would, the real consumer,
// Postgres with RLS under messaging's own role, gRPC over loopback, and the outbox relay putting
// send commands on Kafka, read back by a consumer playing the gateway.
import { randomBytes, randomUUID } from 'node:crypto';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import {
  EVENT_KEYS,
  MessageDirection,
  MessageState,
  OutboundRequestedV1,
  TOPICS,
  dlqTopic,
  patientMessageReceivedEvent,
  sealContext,
} from '@careline/contracts';
import { readTopic } from '@careline/bus/testing';
import { findTablesWithoutTenantIsolation } from '@careline/db';
import { fromGrpcError, metadataForCaller } from '@careline/runtime';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, HOSPITAL_NUMBER, nurse, patientText, publishPatientText, randomWaId, startHarness } from './int-test-support';

const HOUR = 3_600_000;

/** Meta timestamps have second precision. */
function secondsAgo(harness: Harness, seconds: number): Date {
  return new Date(Math.floor(harness.now().getTime() / 1000) * 1000 - seconds * 1000);
}

async function rejection(promise: Promise<unknown>): Promise<{ grpcCode: number; code: string; kind: string; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    const domain = fromGrpcError(error);
    return { grpcCode: (error as { code: number }).code, code: domain.code, kind: domain.kind, details: domain.details };
  }
  throw new Error('expected the call to fail');
}

describe('messaging inbox', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  /** A patient writes; resolves once the conversation is visible, with its id. */
  async function patientWrites(tenantId: string, options: { waId?: string; text?: string; sentAt?: Date; profileName?: string } = {}) {
    const waId = options.waId ?? randomWaId();
    const event = await publishPatientText(h, {
      tenantId,
      waId,
      text: options.text ?? 'Hello, I have a question',
      sentAt: options.sentAt ?? secondsAgo(h, 60),
      ...(options.profileName === undefined ? {} : { profileName: options.profileName }),
    });
    const conversation = await waitFor(
      async () => {
        const { conversations } = await h.client.listConversations({ pageSize: 200 }, nurse(tenantId));
        return conversations.find((c) => c.patientWaIdHash === event.waIdHash);
      },
      { message: 'the conversation to appear', timeoutMs: 30_000 },
    );
    return { event, conversation, waId };
  }

  it('turns an inbound text into a conversation and a message, once per message id, with the window from the latest sent_at', async () => {
    const tenant = randomUUID();
    const waId = randomWaId();
    const firstAt = secondsAgo(h, 120);
    const { event: first, conversation } = await patientWrites(tenant, { waId, text: 'I have a fever', sentAt: firstAt, profileName: 'Ada Lovelace' });

    // The same message again (ingest re-emitted it under a new event id), then an older message
    // that arrives late: neither may move the window back or duplicate anything.
    await h.publish(patientMessageReceivedEvent, EVENT_KEYS.patientMessageReceived(first), tenant, first);
    const olderAt = new Date(firstAt.getTime() - 30 * 60_000);
    const late = await publishPatientText(h, { tenantId: tenant, waId, text: 'Sent earlier, arrived later', sentAt: olderAt });

    const { messages } = await waitFor(
      async () => {
        const page = await h.client.listMessages({ conversationId: conversation.id }, nurse(tenant));
        return page.messages.some((m) => m.id === late.messageId) ? page : undefined;
      },
      { message: 'the late message', timeoutMs: 30_000 },
    );
    // Same key, same partition: the duplicate was handled before the late message.
    expect(messages.map((m) => m.id)).toEqual([first.messageId, late.messageId]); // newest first
    expect(messages[0]).toMatchObject({
      conversationId: conversation.id,
      direction: MessageDirection.MESSAGE_DIRECTION_INBOUND,
      wamid: first.wamid,
      createdAt: firstAt,
      sentBy: '',
      content: { $case: 'text', value: { body: 'I have a fever' } },
      status: { state: MessageState.MESSAGE_STATE_RECEIVED, errorCode: '', reason: '' },
    });
    expect(messages[1]?.content).toEqual({ $case: 'text', value: { body: 'Sent earlier, arrived later' } });

    const { conversation: fetched } = await h.client.getConversation({ conversationId: conversation.id }, nurse(tenant));
    expect(fetched).toMatchObject({
      id: conversation.id,
      tenantId: tenant,
      phoneNumberId: HOSPITAL_NUMBER,
      patientWaIdHash: first.waIdHash,
      patientPhoneNumber: `+${waId}`,
      patientDisplayName: 'Ada Lovelace',
      unreadCount: 2,
      lastMessageAt: firstAt,
      lastMessagePreview: 'I have a fever',
      windowOpenUntil: new Date(firstAt.getTime() + 24 * HOUR),
    });
  });

  it('queues a reply inside the window as one sealed send command, and an idempotent retry queues nothing more', async () => {
    const tenant = randomUUID();
    const { conversation, waId } = await patientWrites(tenant);
    const key = randomUUID();
    const text = 'Please take 500 mg paracetamol and call us tomorrow.';

    const { message } = await h.client.sendText({ conversationId: conversation.id, text, idempotencyKey: key }, nurse(tenant));
    expect(message).toMatchObject({
      conversationId: conversation.id,
      direction: MessageDirection.MESSAGE_DIRECTION_OUTBOUND,
      wamid: '',
      sentBy: 'user:nurse-1',
      content: { $case: 'text', value: { body: text } },
      status: { state: MessageState.MESSAGE_STATE_QUEUED },
    });
    const again = await h.client.sendText({ conversationId: conversation.id, text, idempotencyKey: key }, nurse(tenant));
    expect(again.message?.id).toBe(message?.id);

    // A second, different reply on the same number (same partition, after the retry in outbox
    // order): once it arrives, any command the retry had queued would have arrived before it.
    const { message: sentinel } = await h.client.sendText(
      { conversationId: conversation.id, text: 'One more thing', idempotencyKey: randomUUID() },
      nurse(tenant),
    );
    await waitFor(() => h.commands.some((c) => c.payload.messageId === sentinel?.id), { message: 'the second command', timeoutMs: 30_000 });
    const mine = h.commands.filter((c) => c.tenantId === tenant);
    expect(mine.map((c) => c.payload.messageId)).toEqual([message?.id, sentinel?.id]);

    const command = mine[0]!;
    expect(command.key).toBe(HOSPITAL_NUMBER);
    expect(command.payload).toMatchObject({
      tenantId: tenant,
      phoneNumberId: HOSPITAL_NUMBER,
      recipientWaIdHash: conversation.patientWaIdHash,
      messageId: message?.id,
      idempotencyKey: message?.id,
      requestedAt: message?.createdAt,
    });
    // What the gateway does: open with the topic's context.
    const context = sealContext(TOPICS.outboundRequested, command.payload.messageId);
    expect(await h.sealer.openString(tenant, command.payload.recipientWaId!, context)).toBe(waId);
    const content = command.payload.content;
    if (content?.$case !== 'text') throw new Error('expected a text command');
    expect(await h.sealer.openString(tenant, content.value.body!, context)).toBe(text);

    const { messages } = await h.client.listMessages({ conversationId: conversation.id }, nurse(tenant));
    expect(messages.filter((m) => m.direction === MessageDirection.MESSAGE_DIRECTION_OUTBOUND)).toHaveLength(2);
    const { conversation: after } = await h.client.getConversation({ conversationId: conversation.id }, nurse(tenant));
    expect(after?.lastMessagePreview).toBe('One more thing');
  });

  it('refuses free text when the patient last wrote 25 hours ago: FAILED_PRECONDITION window_closed, nothing queued', async () => {
    const tenant = randomUUID();
    const sentAt = secondsAgo(h, 25 * 3600);
    const { conversation } = await patientWrites(tenant, { sentAt });
    expect(conversation.windowOpenUntil).toEqual(new Date(sentAt.getTime() + 24 * HOUR));

    const refused = await rejection(
      h.client.sendText({ conversationId: conversation.id, text: 'Are you still there?', idempotencyKey: randomUUID() }, nurse(tenant)),
    );
    expect(refused).toEqual({
      grpcCode: GrpcStatus.FAILED_PRECONDITION,
      code: 'window_closed',
      kind: 'failed_precondition',
      // templateRequired/templates (templates and consent): what the console offers instead; none synced here
      details: {
        conversationId: conversation.id,
        windowClosedAt: new Date(sentAt.getTime() + 24 * HOUR).toISOString(),
        templateRequired: true,
        templates: [],
      },
    });

    const { messages } = await h.client.listMessages({ conversationId: conversation.id }, nurse(tenant));
    expect(messages).toHaveLength(1);
    // (the outbox also carries the audit events of these calls: only send commands count here)
    const { rows } = await h.db.adminPool.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE topic = $1', [TOPICS.outboundRequested]);
    expect(rows[0]).toEqual({ n: 0 });
    // A send in another tenant after the refusal: once its command is on the topic, the relay has
    // run past the point where a queued command of the refused call would have been.
    const other = randomUUID();
    const { conversation: open } = await patientWrites(other);
    const { message } = await h.client.sendText({ conversationId: open.id, text: 'Hi', idempotencyKey: randomUUID() }, nurse(other));
    await waitFor(() => h.commands.some((c) => c.payload.messageId === message?.id), { message: 'the later command', timeoutMs: 30_000 });
    expect(h.commands.filter((c) => c.tenantId === tenant)).toEqual([]);
  });

  it('closes the window by the injected clock', async () => {
    const tenant = randomUUID();
    const sentAt = secondsAgo(h, 60);
    const { conversation } = await patientWrites(tenant, { sentAt });
    try {
      h.setNow(new Date(sentAt.getTime() + 24 * HOUR));
      const refused = await rejection(
        h.client.sendText({ conversationId: conversation.id, text: 'Late reply', idempotencyKey: randomUUID() }, nurse(tenant)),
      );
      expect(refused.code).toBe('window_closed');
      h.setNow(new Date(sentAt.getTime() + 24 * HOUR - 5000));
      const { message } = await h.client.sendText({ conversationId: conversation.id, text: 'Just in time', idempotencyKey: randomUUID() }, nurse(tenant));
      expect(message?.status?.state).toBe(MessageState.MESSAGE_STATE_QUEUED);
    } finally {
      h.setNow(undefined);
    }
  });

  it('validates the reply before anything else', async () => {
    const tenant = randomUUID();
    const { conversation } = await patientWrites(tenant);
    const send = (request: { conversationId?: string; text?: string; idempotencyKey?: string; replyToMessageId?: string }) =>
      rejection(h.client.sendText({ conversationId: conversation.id, text: 'ok', idempotencyKey: randomUUID(), ...request }, nurse(tenant)));

    expect(await send({ text: '' })).toMatchObject({ grpcCode: GrpcStatus.INVALID_ARGUMENT, code: 'invalid_text' });
    expect(await send({ text: ' \n\t ' })).toMatchObject({ code: 'invalid_text' });
    expect(await send({ text: 'x'.repeat(4097) })).toMatchObject({ code: 'invalid_text' });
    expect(await send({ idempotencyKey: '' })).toMatchObject({ code: 'idempotency_key_required' });
    expect(await send({ conversationId: randomUUID() })).toMatchObject({ grpcCode: GrpcStatus.NOT_FOUND, code: 'conversation_not_found' });
    expect(await send({ conversationId: 'not-a-uuid' })).toMatchObject({ code: 'conversation_not_found' });
    expect(await send({ replyToMessageId: randomUUID() })).toMatchObject({ code: 'reply_to_not_found' });
    // 4096 emoji are 4096 characters: accepted
    const { message } = await h.client.sendText(
      { conversationId: conversation.id, text: '🙂'.repeat(4096), idempotencyKey: randomUUID() },
      nurse(tenant),
    );
    expect(message?.status?.state).toBe(MessageState.MESSAGE_STATE_QUEUED);
  });

  it('pages conversations by latest activity and messages newest first', async () => {
    const tenant = randomUUID();
    const waId = randomWaId();
    const created = [];
    for (const [index, age] of [300, 200, 100].entries()) {
      created.push(await patientWrites(tenant, { sentAt: secondsAgo(h, age), text: `conversation ${index}` }));
    }
    const first = await h.client.listConversations({ pageSize: 2 }, nurse(tenant));
    expect(first.conversations.map((c) => c.id)).toEqual([created[2]!.conversation.id, created[1]!.conversation.id]);
    expect(first.nextPageToken).not.toBe('');
    const second = await h.client.listConversations({ pageSize: 2, pageToken: first.nextPageToken }, nurse(tenant));
    expect(second.conversations.map((c) => c.id)).toEqual([created[0]!.conversation.id]);
    expect(second.nextPageToken).toBe('');

    const { conversation } = await patientWrites(tenant, { waId, sentAt: secondsAgo(h, 50), text: 'm0' });
    for (const [index, age] of [40, 30].entries()) {
      await publishPatientText(h, { tenantId: tenant, waId, text: `m${index + 1}`, sentAt: secondsAgo(h, age) });
    }
    await waitFor(async () => (await h.client.listMessages({ conversationId: conversation.id }, nurse(tenant))).messages.length === 3, {
      message: 'three messages',
      timeoutMs: 30_000,
    });
    const page1 = await h.client.listMessages({ conversationId: conversation.id, pageSize: 2 }, nurse(tenant));
    const page2 = await h.client.listMessages({ conversationId: conversation.id, pageSize: 2, pageToken: page1.nextPageToken }, nurse(tenant));
    const bodies = [...page1.messages, ...page2.messages].map((m) => (m.content?.$case === 'text' ? m.content.value.body : ''));
    expect(bodies).toEqual(['m2', 'm1', 'm0']);
    expect(page2.nextPageToken).toBe('');
    expect(await rejection(h.client.listMessages({ conversationId: conversation.id, pageToken: 'garbage' }, nurse(tenant)))).toMatchObject({
      grpcCode: GrpcStatus.INVALID_ARGUMENT,
      code: 'invalid_page_token',
    });
  });

  it("keeps tenants apart: another tenant's caller sees nothing and gets NOT_FOUND; no caller is UNAUTHENTICATED", async () => {
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    const { conversation } = await patientWrites(tenantA);
    const { conversation: own } = await patientWrites(tenantB);

    const listed = await h.client.listConversations({}, nurse(tenantB));
    expect(listed.conversations.map((c) => c.id)).toEqual([own.id]);
    const notFound = { grpcCode: GrpcStatus.NOT_FOUND, code: 'conversation_not_found' };
    expect(await rejection(h.client.getConversation({ conversationId: conversation.id }, nurse(tenantB)))).toMatchObject(notFound);
    expect(await rejection(h.client.listMessages({ conversationId: conversation.id }, nurse(tenantB)))).toMatchObject(notFound);
    expect(
      await rejection(h.client.sendText({ conversationId: conversation.id, text: 'hi', idempotencyKey: randomUUID() }, nurse(tenantB))),
    ).toMatchObject(notFound);

    const unauthenticated = { grpcCode: GrpcStatus.UNAUTHENTICATED, kind: 'unauthenticated' };
    expect(await rejection(h.client.listConversations({}, new Metadata()))).toMatchObject({ ...unauthenticated, code: 'caller_required' });
    expect(await rejection(h.client.getConversation({ conversationId: conversation.id }, new Metadata()))).toMatchObject(unauthenticated);
    expect(
      await rejection(h.client.listConversations({}, metadataForCaller({ actor: 'user:nurse-1', roles: [] }))),
    ).toMatchObject({ ...unauthenticated, code: 'tenant_required' });
    expect(
      await rejection(h.client.listConversations({}, metadataForCaller({ tenantId: 'acme', actor: 'user:nurse-1', roles: [] }))),
    ).toMatchObject({ ...unauthenticated, code: 'invalid_caller' });
  });

  it('never stores or logs patient data in clear', async () => {
    const tenant = randomUUID();
    const marker = `MARKER${randomBytes(8).toString('hex')}`;
    const name = `Name${randomBytes(6).toString('hex')}`;
    const waId = randomWaId();
    const { event, conversation } = await patientWrites(tenant, { waId, text: `inbound ${marker}`, profileName: name });
    const { message } = await h.client.sendText(
      { conversationId: conversation.id, text: `outbound ${marker}`, idempotencyKey: randomUUID() },
      nurse(tenant),
    );
    await waitFor(() => h.commands.find((c) => c.payload.messageId === message?.id), { message: 'the command', timeoutMs: 30_000 });

    // Every text-like and bytea column of every table of the schema, as a dump would show it.
    const { rows: columns } = await h.db.adminPool.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'messaging' AND t.table_type = 'BASE TABLE'
          AND c.data_type IN ('text', 'character varying', 'bytea', 'jsonb', 'json')`,
    );
    expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(
      expect.arrayContaining(['messages.content_sealed', 'conversations.wa_id_sealed', 'outbox.payload']),
    );
    const eventCiphertext = event.content?.$case === 'text' ? Buffer.from(event.content.value.body!.ciphertext) : Buffer.alloc(0);
    expect(eventCiphertext.length).toBeGreaterThan(0);
    let scanned = 0;
    for (const column of columns) {
      const ref = `messaging.${column.table_name}.${column.column_name}`;
      const [table, col] = [`messaging."${column.table_name}"`, `"${column.column_name}"`];
      const { rows } = await h.db.adminPool.query<{ total: number; clear: number; reused: number }>(
        column.data_type === 'bytea'
          ? `SELECT count(${col})::int AS total,
                    count(*) FILTER (WHERE position(convert_to($1, 'UTF8') IN ${col}) > 0
                                        OR position(convert_to($2, 'UTF8') IN ${col}) > 0
                                        OR position(convert_to($3, 'UTF8') IN ${col}) > 0)::int AS clear,
                    count(*) FILTER (WHERE position($4::bytea IN ${col}) > 0)::int AS reused
               FROM ${table}`
          : `SELECT count(${col})::int AS total,
                    count(*) FILTER (WHERE ${col}::text LIKE '%' || $1 || '%' OR ${col}::text LIKE '%' || $2 || '%'
                                        OR ${col}::text LIKE '%' || $3 || '%')::int AS clear,
                    0 AS reused
               FROM ${table} WHERE $4::bytea IS NOT NULL`,
        [marker, name, waId, eventCiphertext],
      );
      expect({ ref, clear: rows[0]?.clear, reused: rows[0]?.reused }).toEqual({ ref, clear: 0, reused: 0 });
      scanned += rows[0]?.total ?? 0;
    }
    expect(scanned).toBeGreaterThan(5);

    // Not in Kafka either: the command's bytes on the wire.
    const command = h.commands.find((c) => c.payload.messageId === message?.id)!;
    const wire = Buffer.from(OutboundRequestedV1.encode(command.payload).finish());
    expect(wire.includes(marker)).toBe(false);
    expect(wire.includes(waId)).toBe(false);

    // Nor in the logs (debug level, everything the app wrote during the whole file so far).
    const logs = h.logs.text();
    expect(logs).toContain(conversation.id);
    for (const secret of [marker, name, waId]) expect(logs).not.toContain(secret);
  });

  it('dead-letters at once an event it can never process, and moves on', async () => {
    const tenant = randomUUID();
    const waId = randomWaId();
    // Sealed under another message's context (a producer bug or a tampered record): cannot open.
    const broken = await patientText(h.sealer, { tenantId: tenant, waId, text: 'unreadable', sentAt: secondsAgo(h, 90) });
    const foreign = await patientText(h.sealer, { tenantId: tenant, waId, text: 'x', sentAt: secondsAgo(h, 90) });
    broken.waId = foreign.waId;
    await h.publish(patientMessageReceivedEvent, EVENT_KEYS.patientMessageReceived(broken), tenant, broken);
    // The envelope names another tenant than the payload.
    const misaddressed = await patientText(h.sealer, { tenantId: tenant, waId, text: 'elsewhere', sentAt: secondsAgo(h, 80) });
    await h.publish(patientMessageReceivedEvent, EVENT_KEYS.patientMessageReceived(misaddressed), randomUUID(), misaddressed);

    const { conversation } = await patientWrites(tenant, { waId, text: 'readable', sentAt: secondsAgo(h, 70) });
    const { messages } = await h.client.listMessages({ conversationId: conversation.id }, nurse(tenant));
    expect(messages.map((m) => (m.content?.$case === 'text' ? m.content.value.body : ''))).toEqual(['readable']);

    const dead = await readTopic(h.kafka, dlqTopic(TOPICS.patientMessageReceived), {
      until: (records) => records.length >= 2,
      timeoutMs: 30_000,
    });
    expect(dead.map((r) => [r.headers['dlq-error-code'], r.headers['dlq-attempts']]).sort()).toEqual([
      ['invalid_event', '1'],
      ['undecryptable_event', '1'],
    ]);
    for (const record of dead) expect(record.headers['dlq-error-message']).not.toContain(waId);
  });

  it('isolates every tenant table with forced row-level security', async () => {
    expect(await findTablesWithoutTenantIsolation(h.db.adminPool, 'messaging')).toEqual([]);
    const { rows } = await h.db.adminPool.query<{ table: string }>(
      `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'messaging' AND c.relrowsecurity AND c.relforcerowsecurity ORDER BY 1`,
    );
    expect(rows.map((r) => r.table)).toEqual([
      'break_glass_grants',
      'consent_changes',
      'conversation_notes',
      'conversations',
      'inbox_events',
      'inbox_sequences',
      'media',
      'messages',
      'messaging_settings',
      'patient_consent',
      'patient_contact_links',
      'patient_erasures',
      'patient_keys',
      'patient_numbers',
      'pending_statuses',
      'retention_policies',
      'routing_rules',
      'send_requests',
      'staff',
      'staff_teams',
      'teams',
      'templates',
      'tenants',
    ]);
  });
});
