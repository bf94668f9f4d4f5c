// Self-service in chat against the running app: a shared document, then the patient's messages
// published on patient.message.received.v1 exactly as ingest would (sealed body, keyed number
// hash): "mis resultados" gets a WhatsApp list (through a fake MessagingService over gRPC) of the
// released documents with dates only and opaque row ids; picking a row re-issues a fresh link
// through the usual notice, and the link opens the release page. A row of another patient, a
// long message, and a redelivered event send nothing. Also the FHIR DiagnosticReport export.
import { randomUUID } from 'node:crypto';
import { createProducer } from '@careline/bus';
import {
  MessagePurpose,
  type PatientMessageReceivedV1,
  ShareStatus,
  TOPICS,
  WA_ID_HASH_PURPOSE,
  patientMessageReceivedEvent,
  sealContext,
} from '@careline/contracts';
import { createLocalKeyProvider, createSealer, parseMasterKey } from '@careline/crypto';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, latestLinkToken, pdfWith, staff, startHarness } from './int-test-support';

const TITLE = 'HIV viral load';

describe('self-service in chat', () => {
  let h: Harness;
  let producer: ReturnType<typeof createProducer>;
  let sealer: ReturnType<typeof createSealer>;

  beforeAll(async () => {
    h = await startHarness();
    producer = createProducer(h.kafka);
    await producer.start();
    sealer = createSealer(createLocalKeyProvider({ masterKey: parseMasterKey(h.masterKey) }));
  });
  afterAll(async () => {
    await producer?.stop();
    await h?.close();
  });

  async function released(tenantId: string, waId: string) {
    const { patient } = await h.api.createPatient(
      {
        patient: { mrn: `MRN-${randomUUID().slice(0, 8)}`, givenName: 'Lucía', familyName: 'Pérez', dateOfBirth: '1979-03-08', waId, preferredLanguage: 'es' },
      },
      staff(tenantId),
    );
    const { document } = await h.api.uploadDocument(
      { patientId: patient!.id, title: TITLE, fileName: 'vl.pdf', declaredContentType: '', content: pdfWith('copies/ml'), idempotencyKey: randomUUID() },
      staff(tenantId),
    );
    const { share } = await h.api.shareDocument({ documentId: document!.id, expiresInMinutes: 60, idempotencyKey: randomUUID() }, staff(tenantId));
    return { patient: patient!, document: document!, share: share! };
  }

  /** Publishes a patient message as ingest does; returns its message id. */
  async function patientSays(
    tenantId: string,
    waId: string,
    content: { text: string } | { listReply: string },
    messageId: string = randomUUID(),
  ): Promise<string> {
    const waIdHash = await sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, waId);
    const context = sealContext(TOPICS.patientMessageReceived, messageId);
    const seal = async (text: string) => {
      const box = await sealer.seal(tenantId, text, context);
      return { ...box };
    };
    const payload: PatientMessageReceivedV1 = {
      tenantId,
      messageId,
      wamid: `wamid.${messageId}`,
      phoneNumberId: '106540352242922',
      waId: await seal(waId),
      waIdHash,
      patientId: '',
      sentAt: new Date(),
      receivedAt: new Date(),
      profileName: undefined,
      context: undefined,
      content:
        'text' in content
          ? { $case: 'text', value: { body: await seal(content.text) } }
          : { $case: 'listReply', value: { rowId: content.listReply, title: await seal('Resultado'), description: undefined } },
    };
    await producer.publish(patientMessageReceivedEvent, {
      key: `${tenantId}:${waIdHash}`,
      tenantId,
      payload,
      id: messageId,
      source: '/careline/ingest',
    });
    return messageId;
  }

  it('lists released documents with dates only on "mis resultados", and re-issues a link on a row', async () => {
    const tenant = randomUUID();
    const waId = '34611222333';
    const { patient, document, share } = await released(tenant, waId);
    const notices = h.messaging.sent.length;

    const asked = await patientSays(tenant, waId, { text: '¿Mis resultados?' });
    const list = await waitFor(() => h.messaging.interactive.find((i) => i.request.idempotencyKey === `records:results:${asked}`), {
      message: 'the self-service list',
      timeoutMs: 30_000,
    });
    expect(list.caller).toMatchObject({ tenantId: tenant, actor: 'service:records' });
    expect(list.request).toMatchObject({
      listButton: 'Mis resultados',
      purpose: MessagePurpose.MESSAGE_PURPOSE_CARE,
      // one document: a reply button (title only, no description)
      options: [{ id: `records:share:${share.id}`, title: expect.stringMatching(/^Resultado \d{4}-\d{2}-\d{2}$/) as unknown, description: '' }],
    });
    expect(list.request.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    // no clinical content in the chat: neither the title nor the file name
    expect(JSON.stringify(list.request)).not.toContain('HIV');
    expect(JSON.stringify(list.request)).not.toContain('vl.pdf');
    expect(h.messaging.sent.length).toBe(notices);

    const picked = await patientSays(tenant, waId, { listReply: `records:share:${share.id}` });
    await waitFor(() => h.messaging.sent.length > notices || undefined, { message: 'the re-issued notice', timeoutMs: 30_000 });
    const notice = h.messaging.sent.at(-1)!;
    expect(notice.request).toMatchObject({ templateName: 'result_ready', purpose: MessagePurpose.MESSAGE_PURPOSE_RESULT_NOTICE });
    const { shares } = await h.api.listShares({ scope: { $case: 'documentId', value: document.id } }, staff(tenant));
    expect(shares).toHaveLength(2);
    const fresh = shares.find((s) => s.id !== share.id)!;
    expect(fresh).toMatchObject({ status: ShareStatus.SHARE_STATUS_SENT, sharedBy: `patient:${patient.id}` });
    expect(notice.request.idempotencyKey).toBe(`records:share:${fresh.id}`);
    // the fresh link opens the release page (which asks for the date of birth)
    const page = await fetch(`${h.baseUrl}/r/${latestLinkToken(h.messaging)}`);
    expect(page.status).toBe(200);

    // the same reply delivered again (same event id) re-issues nothing more
    await patientSays(tenant, waId, { listReply: `records:share:${share.id}` }, picked);
    // and a second "results" lists both releases' latest share of the one document
    const again = await patientSays(tenant, waId, { text: 'results' });
    const second = await waitFor(() => h.messaging.interactive.find((i) => i.request.idempotencyKey === `records:results:${again}`), {
      message: 'the second list',
      timeoutMs: 30_000,
    });
    expect(second.request.options.map((o) => o.id)).toEqual([`records:share:${fresh.id}`]);
    expect(h.messaging.sent.length).toBe(notices + 1);
  });

  it("sends nothing for another patient's row, a long message, or an unknown number", async () => {
    const tenant = randomUUID();
    const victim = await released(tenant, '34622333444');
    const attackerWaId = '34633444555';
    await released(tenant, attackerWaId);
    const notices = h.messaging.sent.length;
    const lists = h.messaging.interactive.length;

    await patientSays(tenant, attackerWaId, { listReply: `records:share:${victim.share.id}` });
    await patientSays(tenant, attackerWaId, { text: 'I have a question about my results from the cardiology visit last week' });
    await patientSays(tenant, '34699999999', { text: 'my results' });
    // a marker message after them: once it is answered, the earlier ones were handled (one partition per key differs, so wait on each)
    const marker = await patientSays(tenant, attackerWaId, { text: 'my results' });
    await waitFor(() => h.messaging.interactive.find((i) => i.request.idempotencyKey === `records:results:${marker}`), {
      message: 'the marker list',
      timeoutMs: 30_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(h.messaging.sent.length).toBe(notices);
    expect(h.messaging.interactive.length).toBe(lists + 1);
    expect(h.logs.text()).not.toContain(attackerWaId);
    expect(h.logs.text()).not.toContain('cardiology');
  });

  it('exports a minimal DiagnosticReport pointing at the DocumentReference', async () => {
    const tenant = randomUUID();
    const { patient, document } = await released(tenant, '34644555666');
    const { resourceJson } = await h.api.exportFhirResource({ resourceType: 'DiagnosticReport', id: document.id }, staff(tenant));
    const report = JSON.parse(resourceJson) as Record<string, unknown>;
    expect(report).toMatchObject({
      resourceType: 'DiagnosticReport',
      id: document.id,
      status: 'final',
      subject: { reference: `Patient/${patient.id}` },
      presentedForm: [{ contentType: 'application/pdf', url: `DocumentReference/${document.id}` }],
    });
    expect(JSON.stringify(report)).not.toContain('"data"');
    await expect(h.api.exportFhirResource({ resourceType: 'DiagnosticReport', id: randomUUID() }, staff(tenant))).rejects.toMatchObject({ code: 5 });
  });
});
