// Conversations linked to records' patients, against the real Postgres and Kafka: record events
// published on record.events.v1 as records emits them (PatientCreated / PatientUpdated with the
// number's keyed hash, ContactLinked), patient messages as ingest emits them.
import { randomUUID } from 'node:crypto';
import { type ClientReadableStream, credentials } from '@grpc/grpc-js';
import {
  ContactState,
  type Conversation,
  ConversationStatus,
  EVENT_KEYS,
  type InboxEvent,
  InboxEventKind,
  MessagingServiceClient,
  type RecordEventV1,
  TOPICS,
  WA_ID_HASH_PURPOSE,
  type WatchInboxResponse,
  dlqTopic,
  patientMessageReceivedEvent,
  recordEvent,
} from '@careline/contracts';
import { readTopic } from '@careline/bus/testing';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, nurse, patientText, publishPatientText, randomWaId, startHarness } from './int-test-support';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 60_000);

afterAll(async () => {
  await h.close();
});

const hashOf = (tenantId: string, waId: string) => h.sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, waId);

async function publishRecordEvent(
  tenantId: string,
  patientId: string,
  event: RecordEventV1['event'],
  occurredAt: Date = new Date(),
): Promise<void> {
  const payload: RecordEventV1 = { tenantId, patientId, occurredAt, actor: 'user:registrar-1', event };
  await h.publish(recordEvent, EVENT_KEYS.recordEvents(payload), tenantId, payload);
}

/** The tenant's conversation of a number, once the patient's first message was stored. */
async function conversationOf(tenantId: string, waId: string): Promise<Conversation> {
  await publishPatientText(h, { tenantId, waId, text: 'Hello', sentAt: new Date() });
  const hash = await hashOf(tenantId, waId);
  return waitFor(
    async () => (await h.client.listConversations({}, nurse(tenantId))).conversations.find((c) => c.patientWaIdHash === hash),
    { message: 'the conversation', timeoutMs: 15_000 },
  );
}

/** GetConversation until `patientId` is as expected (the record event is consumed asynchronously). */
async function linkedTo(tenantId: string, conversationId: string, patientId: string): Promise<Conversation> {
  return waitFor(
    async () => {
      const { conversation } = await h.client.getConversation({ conversationId }, nurse(tenantId));
      return conversation?.patientId === patientId ? conversation : undefined;
    },
    { message: `conversation ${conversationId} linked to ${patientId || 'nobody'}`, timeoutMs: 15_000 },
  );
}

function watch(tenantId: string) {
  const client = new MessagingServiceClient(`127.0.0.1:${h.app.grpc.port()}`, credentials.createInsecure());
  const events: InboxEvent[] = [];
  const stream: ClientReadableStream<WatchInboxResponse> = client.watchInbox({ afterSeq: 0 }, nurse(tenantId));
  stream.on('data', (response: WatchInboxResponse) => {
    if (response.event !== undefined) events.push(response.event);
  });
  stream.on('error', () => undefined);
  return {
    events,
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}

describe('conversations linked to patients', () => {
  it('links an existing conversation when records registers the patient with its number, and a new conversation at once', async () => {
    const tenantId = randomUUID();
    const waId = randomWaId();
    const stream = watch(tenantId);
    try {
      const before = await conversationOf(tenantId, waId);
      expect(before).toMatchObject({ patientId: '', contactState: ContactState.CONTACT_STATE_UNVERIFIED });

      const patientId = randomUUID();
      await publishRecordEvent(tenantId, patientId, { $case: 'patientCreated', value: { waIdHash: await hashOf(tenantId, waId) } });
      const linked = await linkedTo(tenantId, before.id, patientId);
      expect(linked.contactState).toBe(ContactState.CONTACT_STATE_LINKED);

      // the console hears of it live, with the link as facts (ids only)
      const event = await waitFor(
        () => Promise.resolve(stream.events.find((e) => e.kind === InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_LINKED)),
        { message: 'the conversation_linked inbox event', timeoutMs: 10_000 },
      );
      expect(event).toMatchObject({
        conversationId: before.id,
        actor: 'user:registrar-1',
        facts: { patient_id: patientId, previous_patient_id: '' },
        conversation: { patientId, contactState: ContactState.CONTACT_STATE_LINKED },
      });

      // the same patient writes to another hospital number: that conversation starts linked
      const other = await patientText(h.sealer, { tenantId, waId, text: 'Hi again', sentAt: new Date() });
      other.phoneNumberId = '106540352249999';
      await h.publish(patientMessageReceivedEvent, EVENT_KEYS.patientMessageReceived(other), tenantId, other);
      const second = await waitFor(
        async () => (await h.client.listConversations({}, nurse(tenantId))).conversations.find((c) => c.phoneNumberId === '106540352249999'),
        { message: 'the second conversation', timeoutMs: 15_000 },
      );
      expect(second).toMatchObject({ patientId, contactState: ContactState.CONTACT_STATE_LINKED });

      // the patient filter lists both, and nothing for another patient
      const mine = await h.client.listConversations({ filter: filterFor(patientId) }, nurse(tenantId));
      expect(mine.conversations.map((c) => c.id).sort()).toEqual([before.id, second.id].sort());
      const none = await h.client.listConversations({ filter: filterFor(randomUUID()) }, nurse(tenantId));
      expect(none.conversations).toEqual([]);
    } finally {
      stream.close();
    }
  });

  it('links an unknown contact when staff link it in records (ContactLinked)', async () => {
    const tenantId = randomUUID();
    const waId = randomWaId();
    const conversation = await conversationOf(tenantId, waId);
    const patientId = randomUUID();
    await publishRecordEvent(tenantId, patientId, {
      $case: 'contactLinked',
      value: { waIdHash: conversation.patientWaIdHash, conversationId: conversation.id },
    });
    expect(await linkedTo(tenantId, conversation.id, patientId)).toMatchObject({ contactState: ContactState.CONTACT_STATE_LINKED });
  });

  it('moves the link when the patient’s number changes, and an older event does not move it back', async () => {
    const tenantId = randomUUID();
    const [oldNumber, newNumber] = [randomWaId(), randomWaId()];
    const oldConversation = await conversationOf(tenantId, oldNumber);
    const newConversation = await conversationOf(tenantId, newNumber);
    const patientId = randomUUID();
    const t0 = new Date(Date.now() - 60_000);

    await publishRecordEvent(tenantId, patientId, { $case: 'patientCreated', value: { waIdHash: await hashOf(tenantId, oldNumber) } }, t0);
    await linkedTo(tenantId, oldConversation.id, patientId);

    await publishRecordEvent(
      tenantId,
      patientId,
      { $case: 'patientUpdated', value: { waIdHash: await hashOf(tenantId, newNumber) } },
      new Date(t0.getTime() + 1_000),
    );
    await linkedTo(tenantId, newConversation.id, patientId);
    expect(await linkedTo(tenantId, oldConversation.id, '')).toMatchObject({ contactState: ContactState.CONTACT_STATE_UNVERIFIED });

    // a redelivered older fact (new ce_id, older occurred_at) changes nothing
    await publishRecordEvent(tenantId, patientId, { $case: 'patientUpdated', value: { waIdHash: await hashOf(tenantId, oldNumber) } }, t0);
    // a later event on the same partition (same patient key) proves the older one was consumed
    await publishRecordEvent(tenantId, patientId, { $case: 'shareRevoked', value: { shareId: randomUUID(), documentId: randomUUID() } });
    await waitFor(() => Promise.resolve(h.logs.records().some((l) => l.msg === 'older patient number ignored' && l.tenant_id === tenantId)), {
      message: 'the older event ignored',
      timeoutMs: 10_000,
    });
    expect((await h.client.getConversation({ conversationId: oldConversation.id }, nurse(tenantId))).conversation?.patientId).toBe('');
    expect((await h.client.getConversation({ conversationId: newConversation.id }, nurse(tenantId))).conversation?.patientId).toBe(patientId);

    // the number removed: the patient's link goes with it
    await publishRecordEvent(tenantId, patientId, { $case: 'patientUpdated', value: { waIdHash: '' } }, new Date(t0.getTime() + 2_000));
    await linkedTo(tenantId, newConversation.id, '');
  });

  it('leaves a number several patients share unverified until staff link one of them', async () => {
    const tenantId = randomUUID();
    const waId = randomWaId();
    const conversation = await conversationOf(tenantId, waId);
    const hash = await hashOf(tenantId, waId);
    const [mother, child] = [randomUUID(), randomUUID()];
    await publishRecordEvent(tenantId, mother, { $case: 'patientCreated', value: { waIdHash: hash } });
    await linkedTo(tenantId, conversation.id, mother);
    await publishRecordEvent(tenantId, child, { $case: 'patientCreated', value: { waIdHash: hash } });
    await linkedTo(tenantId, conversation.id, '');
    await publishRecordEvent(tenantId, child, { $case: 'contactLinked', value: { waIdHash: hash, conversationId: conversation.id } });
    await linkedTo(tenantId, conversation.id, child);
  });

  it('never links a conversation from another tenant’s records', async () => {
    const [tenantA, tenantB] = [randomUUID(), randomUUID()];
    const waId = randomWaId();
    const conversation = await conversationOf(tenantA, waId);
    const patientB = randomUUID();
    // tenant B registers the same number (its own keyed hash), and even names A's hash
    await publishRecordEvent(tenantB, patientB, { $case: 'patientCreated', value: { waIdHash: await hashOf(tenantB, waId) } });
    await publishRecordEvent(tenantB, randomUUID(), { $case: 'contactLinked', value: { waIdHash: conversation.patientWaIdHash, conversationId: conversation.id } });
    // then A's own registration: once it is applied, B's (published earlier) were consumed too
    const patientA = randomUUID();
    await publishRecordEvent(tenantA, patientA, { $case: 'patientCreated', value: { waIdHash: conversation.patientWaIdHash } });
    await linkedTo(tenantA, conversation.id, patientA);
    await waitFor(
      () => Promise.resolve(h.logs.records().filter((l) => l.msg === 'patient links applied' && l.tenant_id === tenantB).length === 2 ? true : undefined),
      { message: "tenant B's events consumed", timeoutMs: 10_000 },
    );
    expect((await h.client.getConversation({ conversationId: conversation.id }, nurse(tenantA))).conversation?.patientId).toBe(patientA);
    const rows = await h.db.adminPool.query(`SELECT tenant_id FROM messaging.conversations WHERE patient_id = $1`, [patientB]);
    expect(rows.rowCount).toBe(0);
  });

  it('dead-letters a record event whose payload names another tenant than its envelope', async () => {
    const tenantId = randomUUID();
    const payload: RecordEventV1 = {
      tenantId: randomUUID(),
      patientId: randomUUID(),
      occurredAt: new Date(),
      actor: 'user:x',
      event: { $case: 'patientCreated', value: { waIdHash: 'a'.repeat(64) } },
    };
    await h.publish(recordEvent, `${tenantId}:${payload.patientId}`, tenantId, payload);
    const dead = await readTopic(h.kafka, dlqTopic(TOPICS.recordEvents), { until: (records) => records.length >= 1, timeoutMs: 30_000 });
    expect(dead.map((r) => r.headers['dlq-error-code'])).toEqual(['invalid_event']);
  });
});

function filterFor(patientId: string) {
  return { status: ConversationStatus.CONVERSATION_STATUS_UNSPECIFIED, assignedTo: '', teamId: '', unreadOnly: false, patientId };
}
