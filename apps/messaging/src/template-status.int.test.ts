// Meta's template verdicts (wa.template.status.v1, as ingest emits them from the
// `message_template_status_update` webhook) reaching the tenant's registry without a sync, against
// the real Postgres and Kafka: rejected with its reason, paused, an older verdict ignored, a later
// sync authoritative again, another tenant's verdict changing nothing.
import { randomUUID } from 'node:crypto';
import { type Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  EVENT_KEYS,
  type ListTemplatesRequest,
  type ListTemplatesResponse,
  type ListWabaTemplatesResponse,
  MessagingServiceClient,
  type SyncTemplatesResponse,
  type Template,
  type TemplateStatusChangedV1,
  TemplateStatus,
  templateStatusEvent,
} from '@careline/contracts';
import { metadataForCaller } from '@careline/runtime';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSPITAL_NUMBER, type Harness, nurse, startHarness } from './int-test-support';

const WABA = '102290129340398';
let h: Harness;
let client: MessagingServiceClient;
/** what the fake gateway lists, per tenant: Meta's status as of the next sync */
const metaStatus = new Map<string, string>();

function listing(tenantId: string): ListWabaTemplatesResponse {
  return {
    channels: [{ phoneNumberId: HOSPITAL_NUMBER, wabaId: WABA }],
    templates: [
      {
        wabaId: WABA,
        id: '3001',
        name: 'result_ready',
        language: 'en_US',
        status: metaStatus.get(tenantId) ?? 'PENDING',
        category: 'UTILITY',
        parameterFormat: 'POSITIONAL',
        componentsJson: JSON.stringify([{ type: 'BODY', text: 'Hello {{1}}, a document is ready.' }]),
      },
    ],
  };
}

function unary<Req, Res>(call: (request: Req, metadata: Metadata, cb: (error: ServiceError | null, response?: Res) => void) => unknown) {
  return (request: Req, metadata: Metadata): Promise<Res> =>
    new Promise((resolve, reject) => {
      call(request, metadata, (error, response) => (error ? reject(error) : response === undefined ? reject(new Error('empty')) : resolve(response)));
    });
}
const admin = (tenantId: string) => metadataForCaller({ tenantId, actor: 'user:admin-1', roles: ['admin'] });
const sync = (tenantId: string) => unary<object, SyncTemplatesResponse>((q, md, cb) => client.syncTemplates(q, md, cb))({}, admin(tenantId));
const list = (tenantId: string) =>
  unary<ListTemplatesRequest, ListTemplatesResponse>((q, md, cb) => client.listTemplates(q, md, cb))({ approvedOnly: false }, nurse(tenantId));

async function verdict(tenantId: string, overrides: Partial<TemplateStatusChangedV1>): Promise<void> {
  const payload: TemplateStatusChangedV1 = {
    tenantId,
    eventId: randomUUID(),
    wabaId: WABA,
    templateId: '3001',
    templateName: 'result_ready',
    languageCode: 'en_US',
    status: 'APPROVED',
    reason: '',
    changedAt: new Date(),
    ...overrides,
  };
  await h.publish(templateStatusEvent, EVENT_KEYS.templateStatus(payload), tenantId, payload);
}

async function templateWhen(tenantId: string, accept: (t: Template) => boolean): Promise<Template> {
  return waitFor(async () => (await list(tenantId)).templates.find((t) => t.name === 'result_ready' && accept(t)), {
    message: 'the registry to show the verdict',
    timeoutMs: 15_000,
  });
}

beforeAll(async () => {
  h = await startHarness({ templateSource: { list: (tenantId) => Promise.resolve(listing(tenantId)) } });
  client = new MessagingServiceClient(`127.0.0.1:${h.app.grpc.port()}`, credentials.createInsecure());
}, 60_000);

afterAll(async () => {
  client.close();
  await h.close();
});

describe("Meta's template verdicts", () => {
  it('puts a rejection with its reason, then an approval, into the registry without a sync; an older verdict is ignored', async () => {
    const tenantId = randomUUID();
    await sync(tenantId);
    expect((await list(tenantId)).templates[0]).toMatchObject({ status: TemplateStatus.TEMPLATE_STATUS_PENDING, statusReason: '' });

    const t0 = Date.now();
    await verdict(tenantId, { status: 'REJECTED', reason: 'INCORRECT_CATEGORY', changedAt: new Date(t0) });
    expect(await templateWhen(tenantId, (t) => t.status === TemplateStatus.TEMPLATE_STATUS_REJECTED)).toMatchObject({ statusReason: 'INCORRECT_CATEGORY' });

    await verdict(tenantId, { status: 'APPROVED', reason: '', changedAt: new Date(t0 + 2_000) });
    await templateWhen(tenantId, (t) => t.status === TemplateStatus.TEMPLATE_STATUS_APPROVED && t.statusReason === '');

    // a verdict older than the one applied (Meta's retries arrive late): ignored; then a pause, which is applied
    await verdict(tenantId, { status: 'REJECTED', reason: 'INVALID_FORMAT', changedAt: new Date(t0 + 1_000) });
    await verdict(tenantId, { status: 'PAUSED', reason: 'FIRST_PAUSE', changedAt: new Date(t0 + 3_000) });
    const paused = await templateWhen(tenantId, (t) => t.status === TemplateStatus.TEMPLATE_STATUS_PAUSED);
    expect(paused.statusReason).toBe('FIRST_PAUSE');
    expect(h.logs.records().some((r) => r['msg'] === 'template status for a template not in the registry (or older) ignored' && r['tenant_id'] === tenantId)).toBe(true);

    // a FLAGGED warning keeps the status; a later sync is authoritative again and clears the stale reason
    await verdict(tenantId, { status: 'FLAGGED', reason: 'QUALITY_LOW', changedAt: new Date(t0 + 4_000) });
    await templateWhen(tenantId, (t) => t.statusReason === 'QUALITY_LOW' && t.status === TemplateStatus.TEMPLATE_STATUS_PAUSED);
    metaStatus.set(tenantId, 'APPROVED');
    await sync(tenantId);
    expect((await list(tenantId)).templates[0]).toMatchObject({ status: TemplateStatus.TEMPLATE_STATUS_APPROVED, statusReason: '' });
  });

  it("never touches another tenant's registry, and ignores a template it has not synced", async () => {
    const [tenantA, tenantB] = [randomUUID(), randomUUID()];
    await sync(tenantA);
    // B has never synced: its verdict finds no row (B's own registry) and changes nothing in A's
    await verdict(tenantB, { status: 'DISABLED', reason: 'SCAM' });
    // then A's own verdict (another key: B's consumption is awaited by its log line below)
    await verdict(tenantA, { status: 'REJECTED', reason: 'PROMOTIONAL' });
    await templateWhen(tenantA, (t) => t.status === TemplateStatus.TEMPLATE_STATUS_REJECTED);
    await waitFor(() => h.logs.records().some((r) => r['tenant_id'] === tenantB && r['applied'] === false), { message: "B's verdict consumed" });
    expect((await list(tenantA)).templates[0]?.statusReason).toBe('PROMOTIONAL');
    expect((await list(tenantB)).templates).toEqual([]);
  });
});
