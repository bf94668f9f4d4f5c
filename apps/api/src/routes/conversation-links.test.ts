// A conversation's link to a records patient as the api shows it (in-process, app.inject, against
// the in-memory MessagingService): `patientId` and `contactState` on GET /v1/conversations/{id}
// and in the list, the `patientId` list filter passed to messaging, and the inbox stream's
// `conversation_linked` event.
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { ContactState, ConversationStatus, InboxEventKind } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationPageSchema, conversationSchema } from '../schemas/conversations';
import { toStreamEvent } from '../schemas/inbox-stream';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { type FakeMessaging, createFakeMessaging, sampleConversation } from '../testing/fake-messaging';

let auth: TestAuth;
let fake: FakeMessaging;
let app: TestApp;
let token: string;

beforeAll(async () => {
  auth = await createTestAuth();
  fake = createFakeMessaging();
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: fake.client });
  token = await auth.mint({ roles: ['nurse'] });
});

afterAll(() => app.close());

const get = (url: string) => app.http.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
const PATIENT = '6f1c2d3e-4b5a-4c6d-8e7f-90a1b2c3d4e5';

describe('conversations linked to patients', () => {
  it('shows patientId and contactState, linked and unverified', async () => {
    const linked = fake.add(
      sampleConversation({ tenantId: auth.tenantId, patientId: PATIENT, contactState: ContactState.CONTACT_STATE_LINKED }),
    );
    const unknown = fake.add(sampleConversation({ tenantId: auth.tenantId }));

    const one = await get(`/v1/conversations/${linked.id}`);
    expect(one.statusCode, one.body).toBe(200);
    expect(conversationSchema.parse(one.json())).toMatchObject({ patientId: PATIENT, contactState: 'linked', patient: { id: PATIENT } });
    const other = await get(`/v1/conversations/${unknown.id}`);
    // the contact's number hash, what link-contact takes to link it
    expect(conversationSchema.parse(other.json())).toMatchObject({
      patientId: null,
      contactState: 'unverified',
      patient: { waIdHash: unknown.patientWaIdHash },
    });

    const page = conversationPageSchema.parse((await get('/v1/conversations')).json());
    expect(page.items.find((c) => c.id === linked.id)).toMatchObject({ patientId: PATIENT, contactState: 'linked' });
  });

  it('passes the patientId filter to messaging; a malformed one is 400 before messaging is called', async () => {
    const listed = await get(`/v1/conversations?patientId=${PATIENT}`);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'listConversations',
      request: {
        filter: { status: ConversationStatus.CONVERSATION_STATUS_UNSPECIFIED, assignedTo: '', teamId: '', unreadOnly: false, patientId: PATIENT },
      },
    });
    const before = fake.calls.length;
    expect((await get('/v1/conversations?patientId=%20bad%20')).statusCode).toBe(400);
    expect(fake.calls.length).toBe(before);
  });

  it('pushes a link change on the stream as conversation_linked with the ids as facts', () => {
    const conversation = sampleConversation({ tenantId: auth.tenantId, patientId: PATIENT, contactState: ContactState.CONTACT_STATE_LINKED });
    const frame = toStreamEvent(
      {
        seq: 7,
        kind: InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_LINKED,
        conversationId: conversation.id,
        messageId: '',
        occurredAt: new Date(),
        actor: 'user:registrar-1',
        conversation,
        message: undefined,
        note: undefined,
        facts: { patient_id: PATIENT, previous_patient_id: '' },
      },
      new Date(),
    );
    expect(frame).toMatchObject({
      kind: 'conversation_linked',
      facts: { patient_id: PATIENT },
      conversation: { patientId: PATIENT, contactState: 'linked' },
    });
  });
});
