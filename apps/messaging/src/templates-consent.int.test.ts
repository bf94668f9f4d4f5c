// Templates, interactive messages and consent against the real Postgres and Kafka: the registry
// synced from a stand-in of the gateway's WabaTemplateService, SendTemplate (validation, language
// fallback, consent by purpose, idempotency, a first message to a new number), SendInteractive
// (limits, window), STOP/START keywords with their confirmation, Meta's marketing stop, and the
// audit events of each.
import { randomUUID } from 'node:crypto';
import { type Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  type AuditEventV1,
  AuditActorType,
  AuditOutcome,
  EVENT_KEYS,
  type GetConsentRequest,
  type GetConsentResponse,
  type ListTemplatesRequest,
  type ListTemplatesResponse,
  type ListWabaTemplatesResponse,
  MessagePurpose,
  MessagingConsentSource,
  MessagingConsentState,
  MessagingServiceClient,
  type OutboundRequestedV1,
  PatientPreferenceValue,
  type SendInteractiveRequest,
  type SendInteractiveResponse,
  type SendTemplateRequest,
  type SendTemplateResponse,
  type SetConsentRequest,
  type SetConsentResponse,
  type SyncTemplatesResponse,
  TOPICS,
  TemplateStatus,
  WA_ID_HASH_PURPOSE,
  auditEvent,
  patientPreferenceChangedEvent,
  sealContext,
} from '@careline/contracts';
import { readTopic } from '@careline/bus/testing';
import { fromGrpcError, metadataForCaller } from '@careline/runtime';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSPITAL_NUMBER, type Harness, nurse, publishPatientText, randomWaId, startHarness } from './int-test-support';

const WABA = '102290129340398';

/** Meta's components, as the simulator lists its demo templates. */
function reminder(language: string, body: string) {
  return {
    wabaId: WABA,
    id: `1${language.length}${body.length}`,
    name: 'appointment_reminder',
    language,
    status: 'APPROVED',
    category: 'UTILITY',
    parameterFormat: 'POSITIONAL',
    componentsJson: JSON.stringify([
      { type: 'HEADER', format: 'TEXT', text: language === 'es' ? 'Recordatorio de cita' : 'Appointment reminder' },
      { type: 'BODY', text: body },
      { type: 'FOOTER', text: 'Careline' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Confirm' }, { type: 'QUICK_REPLY', text: 'Cancel' }] },
    ]),
  };
}

const TEMPLATES: ListWabaTemplatesResponse = {
  channels: [{ phoneNumberId: HOSPITAL_NUMBER, wabaId: WABA }],
  templates: [
    reminder('en_US', 'Hello {{1}}, this is a reminder of your appointment with {{2}} on {{3}}.'),
    reminder('es', 'Hola {{1}}, le recordamos su cita con {{2}} el {{3}}.'),
    {
      wabaId: WABA,
      id: '2001',
      name: 'welcome',
      language: 'en_US',
      status: 'APPROVED',
      category: 'MARKETING',
      parameterFormat: 'POSITIONAL',
      componentsJson: JSON.stringify([{ type: 'BODY', text: 'Welcome {{1}}!' }]),
    },
    {
      wabaId: WABA,
      id: '2002',
      name: 'otp',
      language: 'en_US',
      status: 'APPROVED',
      category: 'AUTHENTICATION',
      parameterFormat: 'POSITIONAL',
      componentsJson: JSON.stringify([
        { type: 'BODY', text: '{{1}} is your verification code.' },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' }] },
      ]),
    },
    {
      wabaId: WABA,
      id: '2003',
      name: 'result_ready',
      language: 'en_US',
      status: 'PENDING',
      category: 'UTILITY',
      parameterFormat: 'POSITIONAL',
      componentsJson: JSON.stringify([{ type: 'BODY', text: 'Hello {{1}}, a document is ready.' }]),
    },
  ],
};

type Call<Req, Res> = (request: Req, metadata: Metadata) => Promise<Res>;
function unary<Req, Res>(
  call: (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response?: Res) => void) => unknown,
): Call<Req, Res> {
  return (request, metadata) =>
    new Promise((resolve, reject) => {
      call(request, metadata, (error, response) => (error ? reject(error) : response === undefined ? reject(new Error('empty')) : resolve(response)));
    });
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; kind: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const domain = fromGrpcError(error);
    return { code: domain.code, kind: domain.kind, details: domain.details ?? {} };
  }
  throw new Error('expected the call to fail');
}

describe('templates, interactive messages and consent', () => {
  let h: Harness;
  let grpc: MessagingServiceClient;
  let source = TEMPLATES;
  let syncs = 0;
  const rpc = {
    sendTemplate: undefined as unknown as Call<Partial<SendTemplateRequest>, SendTemplateResponse>,
    sendInteractive: undefined as unknown as Call<Partial<SendInteractiveRequest>, SendInteractiveResponse>,
    listTemplates: undefined as unknown as Call<ListTemplatesRequest, ListTemplatesResponse>,
    syncTemplates: undefined as unknown as Call<object, SyncTemplatesResponse>,
    getConsent: undefined as unknown as Call<GetConsentRequest, GetConsentResponse>,
    setConsent: undefined as unknown as Call<Partial<SetConsentRequest>, SetConsentResponse>,
  };

  beforeAll(async () => {
    h = await startHarness({
      templateSource: {
        list: () => {
          syncs += 1;
          return Promise.resolve(source);
        },
      },
    });
    grpc = new MessagingServiceClient(`127.0.0.1:${h.app.grpc.port()}`, credentials.createInsecure());
    const defaults = { templateName: '', languageCode: '', parameters: [], buttons: [], purpose: MessagePurpose.MESSAGE_PURPOSE_CARE, idempotencyKey: '' };
    rpc.sendTemplate = (r, m) => unary<SendTemplateRequest, SendTemplateResponse>((q, md, cb) => grpc.sendTemplate(q, md, cb))({ ...defaults, ...r }, m);
    rpc.sendInteractive = (r, m) =>
      unary<SendInteractiveRequest, SendInteractiveResponse>((q, md, cb) => grpc.sendInteractive(q, md, cb))(
        { conversationId: '', body: '', footer: '', options: [], listButton: '', purpose: MessagePurpose.MESSAGE_PURPOSE_CARE, idempotencyKey: '', ...r },
        m,
      );
    rpc.listTemplates = unary((q, md, cb) => grpc.listTemplates(q, md, cb));
    rpc.syncTemplates = unary((q, md, cb) => grpc.syncTemplates(q, md, cb));
    rpc.getConsent = unary((q, md, cb) => grpc.getConsent(q, md, cb));
    rpc.setConsent = (r, m) =>
      unary<SetConsentRequest, SetConsentResponse>((q, md, cb) => grpc.setConsent(q, md, cb))(
        { conversationId: '', state: MessagingConsentState.MESSAGING_CONSENT_STATE_UNSPECIFIED, source: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_UNSPECIFIED, preferredLanguageCode: '', ...r },
        m,
      );
  });

  afterAll(async () => {
    grpc?.close();
    await h?.close();
  });

  const admin = (tenantId: string) => metadataForCaller({ tenantId, actor: 'user:admin-1', roles: ['admin'] });
  const scheduling = (tenantId: string) => metadataForCaller({ tenantId, actor: 'service:scheduling', roles: [] });

  /** A patient who wrote `hoursAgo` hours ago, and their conversation. */
  async function patientWrote(tenantId: string, hoursAgo: number, text = 'Hello') {
    const waId = randomWaId();
    const sentAt = new Date(Math.floor(h.now().getTime() / 1000) * 1000 - hoursAgo * 3_600_000);
    const event = await publishPatientText(h, { tenantId, waId, text, sentAt });
    const conversation = await waitFor(
      async () => (await h.client.listConversations({}, nurse(tenantId))).conversations.find((c) => c.patientWaIdHash === event.waIdHash),
      { message: 'the conversation', timeoutMs: 30_000 },
    );
    return { waId, conversation, waIdHash: event.waIdHash };
  }

  async function commandFor(messageId: string): Promise<OutboundRequestedV1> {
    const found = await waitFor(() => h.commands.find((c) => c.payload.messageId === messageId), { message: 'the send command', timeoutMs: 30_000 });
    return found.payload;
  }

  async function auditEvents(tenantId: string, until: (events: AuditEventV1[]) => boolean): Promise<AuditEventV1[]> {
    const decode = (records: readonly { value: Buffer | null }[]) =>
      records.map((r) => auditEvent.decode(r.value ?? new Uint8Array())).filter((e) => e.tenantId === tenantId);
    return decode(await readTopic(h.kafka, TOPICS.auditEvents, { until: (read) => until(decode(read)), timeoutMs: 30_000 }));
  }

  it('syncs the registry from the gateway (tenant:admin only) and lists it with placeholders, buttons and status', async () => {
    const tenant = randomUUID();
    const denied = await rejection(rpc.syncTemplates({}, nurse(tenant)));
    expect(denied.code).toBe('permission_denied');
    const synced = await rpc.syncTemplates({}, admin(tenant));
    expect(synced.templateCount).toBe(5);

    const { templates } = await rpc.listTemplates({ approvedOnly: false }, nurse(tenant));
    expect(templates.map((t) => `${t.name}/${t.languageCode}`)).toEqual([
      'appointment_reminder/en_US',
      'appointment_reminder/es',
      'otp/en_US',
      'result_ready/en_US',
      'welcome/en_US',
    ]);
    const es = templates.find((t) => t.languageCode === 'es')!;
    expect(es.parameters.map((p) => p.name)).toEqual(['1', '2', '3']);
    expect(es.buttons.map((b) => [b.type, b.needsValue])).toEqual([['quick_reply', false], ['quick_reply', false]]);
    expect(templates.find((t) => t.name === 'otp')!.buttons[0]).toMatchObject({ type: 'otp', needsValue: true });
    expect(templates.find((t) => t.name === 'result_ready')!.status).toBe(TemplateStatus.TEMPLATE_STATUS_PENDING);
    expect((await rpc.listTemplates({ approvedOnly: true }, nurse(tenant))).templates).toHaveLength(4);

    // a template Meta no longer lists is kept as deleted
    source = { ...TEMPLATES, templates: TEMPLATES.templates.filter((t) => t.name !== 'welcome') };
    try {
      await rpc.syncTemplates({}, admin(tenant));
    } finally {
      source = TEMPLATES;
    }
    const after = await rpc.listTemplates({ approvedOnly: false }, nurse(tenant));
    expect(after.templates.find((t) => t.name === 'welcome')!.status).toBe(TemplateStatus.TEMPLATE_STATUS_DELETED);
  });

  it('refuses free text outside the window naming the templates, then sends a template in the fallback language (es_MX → es)', async () => {
    const tenant = randomUUID();
    await rpc.syncTemplates({}, admin(tenant));
    const { conversation } = await patientWrote(tenant, 30);
    const closed = await rejection(h.client.sendText({ conversationId: conversation.id, text: 'Hi', idempotencyKey: randomUUID() }, nurse(tenant)));
    expect(closed.code).toBe('window_closed');
    expect(closed.details).toMatchObject({ templateRequired: true });
    expect(closed.details['templates']).toEqual(expect.arrayContaining([{ name: 'appointment_reminder', languages: ['en_US', 'es'] }]));

    const response = await rpc.sendTemplate(
      {
        recipient: { $case: 'conversationId', value: conversation.id },
        templateName: 'appointment_reminder',
        languageCode: 'es_MX',
        parameters: [
          { name: '1', text: 'Ana' },
          { name: '2', text: 'Dr. Ruiz' },
          { name: '3', text: '12 mayo 10:30' },
        ],
        buttons: [{ index: 0, value: 'APPT-123:confirm' }],
        purpose: MessagePurpose.MESSAGE_PURPOSE_REMINDER,
        idempotencyKey: 'reminder-1',
      },
      nurse(tenant),
    );
    expect(response.languageCode).toBe('es');
    expect(response.conversationId).toBe(conversation.id);
    expect(response.message?.content).toEqual({
      $case: 'template',
      value: {
        name: 'appointment_reminder',
        languageCode: 'es',
        previewText: 'Recordatorio de cita\nHola Ana, le recordamos su cita con Dr. Ruiz el 12 mayo 10:30.\nCareline',
      },
    });

    const command = await commandFor(response.message!.id);
    if (command.content?.$case !== 'template') throw new Error('expected a template command');
    const template = command.content.value;
    expect(template).toMatchObject({ name: 'appointment_reminder', languageCode: 'es' });
    const open = (sealed: Parameters<Harness['sealer']['openString']>[1]) =>
      h.sealer.openString(tenant, sealed, sealContext(TOPICS.outboundRequested, command.messageId));
    const body = template.components.find((c) => c.parameters.length === 3)!;
    const texts = await Promise.all(body.parameters.map((p) => (p.value?.$case === 'text' ? open(p.value.value) : Promise.resolve(''))));
    expect(texts).toEqual(['Ana', 'Dr. Ruiz', '12 mayo 10:30']);
    const button = template.components.find((c) => c.parameters[0]?.value?.$case === 'payload')!;
    expect(button).toMatchObject({ index: 0, parameters: [{ value: { $case: 'payload', value: 'APPT-123:confirm' } }] });
    // the parameters never appear in clear in the command
    expect(Buffer.from(JSON.stringify(command)).toString()).not.toContain('Dr. Ruiz');

    // idempotent per tenant: the same key returns the same message and queues nothing more
    const again = await rpc.sendTemplate(
      {
        recipient: { $case: 'conversationId', value: conversation.id },
        templateName: 'appointment_reminder',
        languageCode: 'es_MX',
        parameters: [{ name: '1', text: 'Ana' }, { name: '2', text: 'Dr. Ruiz' }, { name: '3', text: '12 mayo 10:30' }],
        idempotencyKey: 'reminder-1',
      },
      nurse(tenant),
    );
    expect(again.message?.id).toBe(response.message?.id);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(h.commands.filter((c) => c.payload.tenantId === tenant && c.payload.content?.$case === 'template')).toHaveLength(1);

    const events = await auditEvents(tenant, (all) => all.filter((e) => e.action === 'message.send_template').length >= 2);
    const sends = events.filter((e) => e.action === 'message.send_template');
    expect(sends[0]).toMatchObject({
      outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
      resource: { type: 'message', id: response.message!.id },
      detail: expect.objectContaining({ template: 'appointment_reminder', language: 'es', purpose: 'reminder' }) as unknown,
    });
    expect(sends[1]?.detail['idempotent_replay']).toBe('true');
  });

  it('validates names, approval and every parameter before anything is queued, naming the parameter', async () => {
    const tenant = randomUUID();
    await rpc.syncTemplates({}, admin(tenant));
    const { conversation } = await patientWrote(tenant, 1);
    const send = (overrides: Partial<SendTemplateRequest>) =>
      rejection(
        rpc.sendTemplate(
          {
            recipient: { $case: 'conversationId', value: conversation.id },
            templateName: 'appointment_reminder',
            parameters: [{ name: '1', text: 'Ana' }, { name: '2', text: 'Dr. Ruiz' }, { name: '3', text: 'Friday' }],
            idempotencyKey: randomUUID(),
            ...overrides,
          },
          nurse(tenant),
        ),
      );
    expect((await send({ parameters: [{ name: '1', text: 'Ana' }, { name: '2', text: 'Dr. Ruiz' }] })).details).toMatchObject({ parameter: '3' });
    const newline = await send({ parameters: [{ name: '1', text: 'Ana\nB' }, { name: '2', text: 'x' }, { name: '3', text: 'y' }] });
    expect(newline).toMatchObject({ code: 'invalid_template_parameters', details: { parameter: '1', issues: [{ parameter: '1', problem: 'newline_or_tab' }] } });
    const spaces = await send({ parameters: [{ name: '1', text: 'Ana' }, { name: '2', text: 'a     b' }, { name: '3', text: 'y' }] });
    expect(spaces.details).toMatchObject({ parameter: '2', issues: [{ parameter: '2', problem: 'too_many_spaces' }] });
    const unknown = await send({ parameters: [{ name: '1', text: 'A' }, { name: '2', text: 'B' }, { name: '3', text: 'C' }, { name: '9', text: 'D' }] });
    expect(unknown.details).toMatchObject({ parameter: '9' });
    const blank = await send({ parameters: [{ name: '1', text: '  ' }, { name: '2', text: 'B' }, { name: '3', text: 'C' }] });
    expect(blank.details).toMatchObject({ issues: [{ parameter: '1', problem: 'empty' }] });
    expect((await send({ buttons: [{ index: 7, value: 'x' }] })).details).toMatchObject({ parameter: 'button.7' });
    expect((await send({ templateName: 'no_such_template' })).code).toBe('template_not_found');
    expect((await send({ templateName: 'result_ready', parameters: [{ name: '1', text: 'Ana' }] })).code).toBe('template_not_approved');
    // the OTP template needs its code in the button
    expect((await send({ templateName: 'otp', parameters: [{ name: '1', text: '123456' }] })).details).toMatchObject({ parameter: 'button.0' });
    // no value in an error
    expect(JSON.stringify(newline)).not.toContain('Ana');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.commands.filter((c) => c.payload.tenantId === tenant)).toHaveLength(0);
  });

  it('opens a conversation for a patient number that never wrote, from the default number, for a service caller', async () => {
    const tenant = randomUUID();
    const waId = randomWaId();
    // no sync yet: the first send syncs by itself (the template is not in the registry)
    const before = syncs;
    const response = await rpc.sendTemplate(
      {
        recipient: { $case: 'patient', value: { waId, phoneNumberId: '' } },
        templateName: 'appointment_reminder',
        parameters: [{ name: '1', text: 'Ana' }, { name: '2', text: 'Dr. Ruiz' }, { name: '3', text: 'Friday' }],
        purpose: MessagePurpose.MESSAGE_PURPOSE_REMINDER,
        idempotencyKey: 'first-contact',
      },
      scheduling(tenant),
    );
    expect(syncs).toBe(before + 1);
    expect(response.languageCode).toBe('en_US');
    const { conversation } = await h.client.getConversation({ conversationId: response.conversationId }, nurse(tenant));
    expect(conversation).toMatchObject({
      phoneNumberId: HOSPITAL_NUMBER,
      patientPhoneNumber: `+${waId}`,
      patientWaIdHash: await h.sealer.blindIndex(tenant, WA_ID_HASH_PURPOSE, waId),
    });
    expect(conversation?.windowOpenUntil).toBeUndefined();
    const command = await commandFor(response.message!.id);
    expect(await h.sealer.openString(tenant, command.recipientWaId!, sealContext(TOPICS.outboundRequested, command.messageId))).toBe(waId);
    expect(response.message?.sentBy).toBe('');
    expect((await rejection(rpc.sendTemplate({ recipient: { $case: 'patient', value: { waId: '+12', phoneNumberId: '' } }, templateName: 'otp', idempotencyKey: 'x' }, scheduling(tenant)))).code).toBe('invalid_recipient');

    const events = await auditEvents(tenant, (all) => all.some((e) => e.action === 'message.send_template'));
    expect(events.find((e) => e.action === 'message.send_template')?.actor).toEqual({ type: AuditActorType.AUDIT_ACTOR_TYPE_SYSTEM, id: 'service:scheduling' });
  });

  it('prefers the patient’s language when the template has it', async () => {
    const tenant = randomUUID();
    await rpc.syncTemplates({}, admin(tenant));
    const { conversation } = await patientWrote(tenant, 1);
    const consent = await rpc.setConsent({ conversationId: conversation.id, preferredLanguageCode: 'es-ES' }, nurse(tenant));
    expect(consent.consent?.preferredLanguageCode).toBe('es_ES');
    const sent = await rpc.sendTemplate(
      {
        recipient: { $case: 'conversationId', value: conversation.id },
        templateName: 'appointment_reminder',
        languageCode: 'en_US',
        parameters: [{ name: '1', text: 'Ana' }, { name: '2', text: 'Dr. Ruiz' }, { name: '3', text: 'Friday' }],
        idempotencyKey: randomUUID(),
      },
      nurse(tenant),
    );
    expect(sent.languageCode).toBe('es');
    // welcome exists only in en_US: the patient's es falls through to the request's language
    const welcome = await rpc.sendTemplate(
      { recipient: { $case: 'conversationId', value: conversation.id }, templateName: 'welcome', parameters: [{ name: '1', text: 'Ana' }], idempotencyKey: randomUUID() },
      nurse(tenant),
    );
    expect(welcome.languageCode).toBe('en_US');
  });

  it('STOP opts the patient out with a confirmation; non-essential sends are refused, essential ones go; START opts in again', async () => {
    const tenant = randomUUID();
    await rpc.syncTemplates({}, admin(tenant));
    const { waId, conversation, waIdHash } = await patientWrote(tenant, 2);
    await publishPatientText(h, { tenantId: tenant, waId, text: ' Stop! ', sentAt: new Date(Math.floor(h.now().getTime() / 1000) * 1000 - 60_000) });
    await waitFor(async () => (await h.client.getConversation({ conversationId: conversation.id }, nurse(tenant))).conversation?.optedOut === true, {
      message: 'the conversation to show opted out',
      timeoutMs: 30_000,
    });
    const confirmation = await waitFor(
      () => h.commands.find((c) => c.payload.tenantId === tenant && c.payload.content?.$case === 'text'),
      { message: 'the STOP confirmation', timeoutMs: 30_000 },
    );
    if (confirmation.payload.content?.$case !== 'text') throw new Error('expected text');
    expect(await h.sealer.openString(tenant, confirmation.payload.content.value.body!, sealContext(TOPICS.outboundRequested, confirmation.payload.messageId))).toMatch(
      /no longer receive.*START/,
    );
    const consent = await rpc.getConsent({ conversationId: conversation.id }, nurse(tenant));
    expect(consent.consent).toMatchObject({
      state: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT,
      source: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_KEYWORD,
      history: [{ state: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT, changedBy: 'patient' }],
    });

    const reminderRequest = (key: string, purpose: MessagePurpose) => ({
      recipient: { $case: 'conversationId' as const, value: conversation.id },
      templateName: 'appointment_reminder',
      parameters: [{ name: '1', text: 'Ana' }, { name: '2', text: 'Dr. Ruiz' }, { name: '3', text: 'Friday' }],
      purpose,
      idempotencyKey: key,
    });
    const refused = await rejection(rpc.sendTemplate(reminderRequest(randomUUID(), MessagePurpose.MESSAGE_PURPOSE_REMINDER), scheduling(tenant)));
    expect(refused).toMatchObject({ code: 'opted_out', kind: 'failed_precondition', details: { reason: 'opted_out' } });
    expect((await rejection(h.client.sendText({ conversationId: conversation.id, text: 'Hi', idempotencyKey: randomUUID() }, nurse(tenant)))).code).toBe(
      'opted_out',
    );
    expect(
      (await rejection(rpc.sendInteractive({ conversationId: conversation.id, body: 'Pick', options: [{ id: 'a', title: 'A', description: '' }], idempotencyKey: randomUUID() }, nurse(tenant)))).code,
    ).toBe('opted_out');
    // a verification code the patient asked for is essential
    const otp = await rpc.sendTemplate(
      {
        recipient: { $case: 'conversationId', value: conversation.id },
        templateName: 'otp',
        parameters: [{ name: '1', text: '482913' }],
        buttons: [{ index: 0, value: '482913' }],
        purpose: MessagePurpose.MESSAGE_PURPOSE_VERIFICATION,
        idempotencyKey: randomUUID(),
      },
      metadataForCaller({ tenantId: tenant, actor: 'service:records', roles: [] }),
    );
    const otpCommand = await commandFor(otp.message!.id);
    if (otpCommand.content?.$case !== 'template') throw new Error('expected a template');
    expect(otpCommand.content.value.components.map((c) => c.subType)).toContain('TEMPLATE_BUTTON_SUB_TYPE_URL');
    // the code goes to WhatsApp (sealed in the command) but the care team never sees it
    const codeParameter = otpCommand.content.value.components.flatMap((c) => c.parameters)[0]?.value;
    if (codeParameter?.$case !== 'text') throw new Error('expected a text parameter');
    expect(await h.sealer.openString(tenant, codeParameter.value, sealContext(TOPICS.outboundRequested, otpCommand.messageId))).toBe('482913');
    const shown = JSON.stringify(otp.message?.content);
    expect(shown).toContain('••••••');
    expect(shown).not.toContain('482913');
    const listed = await h.client.listMessages({ conversationId: conversation.id, pageSize: 50, pageToken: '' }, nurse(tenant));
    expect(JSON.stringify(listed.messages.find((m) => m.id === otp.message!.id))).not.toContain('482913');

    // START (in Spanish: ALTA) opts in again, confirmed in Spanish
    await publishPatientText(h, { tenantId: tenant, waId, text: 'alta', sentAt: new Date(Math.floor(h.now().getTime() / 1000) * 1000 - 30_000) });
    await waitFor(async () => (await h.client.getConversation({ conversationId: conversation.id }, nurse(tenant))).conversation?.optedOut === false, {
      message: 'the conversation to show opted in',
      timeoutMs: 30_000,
    });
    const spanish = await waitFor(
      async () => {
        for (const c of h.commands.filter((x) => x.payload.tenantId === tenant && x.payload.content?.$case === 'text')) {
          if (c.payload.content?.$case !== 'text') continue;
          const text = await h.sealer.openString(tenant, c.payload.content.value.body!, sealContext(TOPICS.outboundRequested, c.payload.messageId));
          if (text.startsWith('Volverá')) return text;
        }
        return undefined;
      },
      { message: 'the START confirmation in Spanish', timeoutMs: 30_000 },
    );
    expect(spanish).toContain('BAJA');
    const allowed = await rpc.sendTemplate(reminderRequest(randomUUID(), MessagePurpose.MESSAGE_PURPOSE_REMINDER), scheduling(tenant));
    expect(allowed.message?.id).toBeTruthy();

    const events = await auditEvents(tenant, (all) => all.some((e) => e.action === 'consent.opted_in'));
    const optOut = events.find((e) => e.action === 'consent.opted_out');
    expect(optOut).toMatchObject({
      actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_PATIENT, id: 'patient' },
      patientWaIdHash: waIdHash,
      outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
      detail: { source: 'keyword', language: 'en', previous_state: 'unspecified' },
    });
    expect(events.find((e) => e.action === 'message.send_template' && e.outcome === AuditOutcome.AUDIT_OUTCOME_DENIED)?.detail).toMatchObject({
      reason: 'opted_out',
      purpose: 'reminder',
    });
    expect(events.find((e) => e.action === 'consent.opted_in')?.detail).toMatchObject({ source: 'keyword', language: 'es' });
    // "please do not stop my reminders" is not a keyword
    await publishPatientText(h, { tenantId: tenant, waId, text: 'please do not stop my reminders', sentAt: new Date(Math.floor(h.now().getTime() / 1000) * 1000 - 10_000) });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await h.client.getConversation({ conversationId: conversation.id }, nurse(tenant))).conversation?.optedOut).toBe(false);
  });

  it('staff record an opt-out and an opt-in with its source; each change is audited', async () => {
    const tenant = randomUUID();
    const { conversation } = await patientWrote(tenant, 1);
    const invalid = await rejection(rpc.setConsent({ conversationId: conversation.id, state: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_IN }, nurse(tenant)));
    expect(invalid.code).toBe('invalid_consent');
    await rpc.setConsent(
      { conversationId: conversation.id, state: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT, source: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_STAFF },
      nurse(tenant),
    );
    const { consent } = await rpc.setConsent(
      { conversationId: conversation.id, state: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_IN, source: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_IMPORT },
      nurse(tenant),
    );
    expect(consent).toMatchObject({
      state: MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_IN,
      source: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_IMPORT,
    });
    expect(consent?.history.map((c) => [c.state, c.source, c.changedBy])).toEqual([
      [MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_IN, MessagingConsentSource.MESSAGING_CONSENT_SOURCE_IMPORT, 'user:nurse-1'],
      [MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT, MessagingConsentSource.MESSAGING_CONSENT_SOURCE_STAFF, 'user:nurse-1'],
    ]);
    const events = await auditEvents(tenant, (all) => all.some((e) => e.action === 'consent.opted_in'));
    expect(events.filter((e) => e.action.startsWith('consent.opted')).map((e) => [e.action, e.detail['source'], e.actor?.id])).toEqual([
      ['consent.opted_out', 'staff', 'user:nurse-1'],
      ['consent.opted_in', 'import', 'user:nurse-1'],
    ]);
  });

  it("Meta's marketing stop refuses marketing templates only, and resume lifts it", async () => {
    const tenant = randomUUID();
    await rpc.syncTemplates({}, admin(tenant));
    const { conversation, waId } = await patientWrote(tenant, 1);
    const preference = async (value: PatientPreferenceValue) => {
      const eventId = randomUUID();
      const event = {
        tenantId: tenant,
        eventId,
        phoneNumberId: HOSPITAL_NUMBER,
        waId: await h.sealer.seal(tenant, waId, sealContext(TOPICS.patientPreferenceChanged, eventId)),
        waIdHash: await h.sealer.blindIndex(tenant, WA_ID_HASH_PURPOSE, waId),
        category: 'marketing_messages',
        value,
        changedAt: new Date(),
      };
      await h.publish(patientPreferenceChangedEvent, EVENT_KEYS.patientPreferenceChanged(event), tenant, event);
    };
    await preference(PatientPreferenceValue.PATIENT_PREFERENCE_VALUE_STOP);
    await waitFor(async () => (await rpc.getConsent({ conversationId: conversation.id }, nurse(tenant))).consent?.marketingStopped === true, {
      message: 'the marketing stop',
      timeoutMs: 30_000,
    });
    const welcome = (key: string) =>
      rpc.sendTemplate(
        { recipient: { $case: 'conversationId', value: conversation.id }, templateName: 'welcome', parameters: [{ name: '1', text: 'Ana' }], idempotencyKey: key },
        nurse(tenant),
      );
    expect(await rejection(welcome(randomUUID()))).toMatchObject({ code: 'opted_out', details: { reason: 'marketing_stopped' } });
    const utility = await rpc.sendTemplate(
      {
        recipient: { $case: 'conversationId', value: conversation.id },
        templateName: 'appointment_reminder',
        parameters: [{ name: '1', text: 'Ana' }, { name: '2', text: 'Dr. Ruiz' }, { name: '3', text: 'Friday' }],
        idempotencyKey: randomUUID(),
      },
      nurse(tenant),
    );
    expect(utility.message?.id).toBeTruthy();
    await preference(PatientPreferenceValue.PATIENT_PREFERENCE_VALUE_RESUME);
    await waitFor(async () => (await rpc.getConsent({ conversationId: conversation.id }, nurse(tenant))).consent?.marketingStopped === false, {
      message: 'the marketing resume',
      timeoutMs: 30_000,
    });
    expect((await welcome(randomUUID())).message?.id).toBeTruthy();
    const events = await auditEvents(tenant, (all) => all.some((e) => e.action === 'consent.marketing_resumed'));
    expect(events.find((e) => e.action === 'consent.marketing_stopped')).toMatchObject({
      actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_PATIENT },
      detail: { source: 'user_preferences' },
    });
  });

  it('sends reply buttons or a list inside the window, enforcing Meta’s limits, and refuses outside it', async () => {
    const tenant = randomUUID();
    await rpc.syncTemplates({}, admin(tenant));
    const { conversation } = await patientWrote(tenant, 1);
    const option = (i: number, title = `Option ${i}`) => ({ id: `slot-${i}`, title, description: '' });
    const buttons = await rpc.sendInteractive(
      { conversationId: conversation.id, body: 'Can you come?', options: [option(1, 'Yes'), option(2, 'No')], purpose: MessagePurpose.MESSAGE_PURPOSE_REMINDER, idempotencyKey: 'int-1' },
      scheduling(tenant),
    );
    expect(buttons.message?.content).toEqual({ $case: 'interactive', value: { body: 'Can you come?', options: ['Yes', 'No'] } });
    const buttonsCommand = await commandFor(buttons.message!.id);
    expect(buttonsCommand.content?.$case).toBe('buttons');
    if (buttonsCommand.content?.$case === 'buttons') expect(buttonsCommand.content.value.buttons.map((b) => b.id)).toEqual(['slot-1', 'slot-2']);

    const list = await rpc.sendInteractive(
      {
        conversationId: conversation.id,
        body: 'Pick a new time',
        options: [1, 2, 3, 4, 5].map((i) => ({ ...option(i), description: 'Room 2' })),
        listButton: 'Times',
        idempotencyKey: 'int-2',
      },
      scheduling(tenant),
    );
    const listCommand = await commandFor(list.message!.id);
    expect(listCommand.content?.$case).toBe('list');

    const invalid = (request: Partial<SendInteractiveRequest>) =>
      rejection(rpc.sendInteractive({ conversationId: conversation.id, body: 'Pick', idempotencyKey: randomUUID(), ...request }, scheduling(tenant)));
    expect((await invalid({ options: [option(1, 'A title that is far too long')] })).details).toMatchObject({ field: 'options.0.title' });
    expect((await invalid({ options: Array.from({ length: 11 }, (_, i) => option(i)) })).details).toMatchObject({ field: 'options' });
    expect((await invalid({ options: [1, 2, 3, 4].map((i) => option(i)) })).details).toMatchObject({ field: 'list_button' });
    expect((await invalid({ options: [option(1, 'Same'), { ...option(2), title: 'Same' }] })).details).toMatchObject({ field: 'options.1.title' });
    expect((await invalid({ options: [option(1), { ...option(2), id: 'slot-1' }] })).details).toMatchObject({ field: 'options.1.id' });

    h.setNow(new Date(h.now().getTime() + 24 * 3_600_000));
    try {
      const closed = await invalid({ options: [option(1)] });
      expect(closed).toMatchObject({ code: 'window_closed', details: { templateRequired: true } });
    } finally {
      h.setNow(undefined);
    }
    // the repeated key returns the first message
    expect((await rpc.sendInteractive({ conversationId: conversation.id, body: 'Can you come?', options: [option(1, 'Yes'), option(2, 'No')], idempotencyKey: 'int-1' }, scheduling(tenant))).message?.id).toBe(
      buttons.message?.id,
    );
  });
});
