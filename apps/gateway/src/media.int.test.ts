// MediaService.FetchMedia and WabaTemplateService.ListWabaTemplates against the WhatsApp simulator
// (its bundle, as a process) playing Meta: media uploaded through the Graph API comes back byte for
// byte through the gateway's gRPC call, fetched with the number's own token; another tenant's
// number and unknown ids are refused; a token Meta refuses is a precondition to fix, not an outage.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { type FetchMediaResponse, type ListWabaTemplatesResponse, MediaServiceClient, WabaTemplateServiceClient } from '@careline/contracts';
import { type DomainError, fromGrpcError, metadataForCaller } from '@careline/runtime';
import { type StartedProcess, freePort, startProcess } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SECRET_MARKER, TENANT_A, TENANT_B, channelFixtures } from './test/fixtures';
import { type TestGateway, startTestGateway } from './test/harness';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const channel = channelFixtures()[0]!;

let gateway: TestGateway;
let simulator: StartedProcess;
let simUrl: string;
let client: InstanceType<typeof MediaServiceClient>;
let templates: InstanceType<typeof WabaTemplateServiceClient>;

beforeAll(async () => {
  const simPort = await freePort();
  simUrl = `http://127.0.0.1:${simPort}`;
  gateway = await startTestGateway({ GRAPH_BASE_URL: simUrl, GRAPH_API_VERSION: 'v23.0', GRAPH_TIMEOUT_MS: '5s' });
  await run(process.execPath, ['../../tools/build/bundle.mjs'], { cwd: `${repoRoot}apps/wa-simulator` });
  simulator = await startProcess({
    name: 'wa-simulator',
    command: process.execPath,
    args: ['dist/apps/wa-simulator/main.js'],
    cwd: repoRoot,
    env: {
      WA_SIM_HOST: '127.0.0.1',
      WA_SIM_PORT: String(simPort),
      WA_SIM_LOG_LEVEL: 'warn',
      WA_SIM_BUSINESSES: JSON.stringify([
        {
          phone_number_id: channel.phone_number_id,
          display_phone_number: channel.display_phone_number,
          waba_id: channel.waba_id,
          access_token: channel.access_token,
          app_secret: channel.app_secret,
          webhook_url: `${gateway.baseUrl}/webhooks/whatsapp`,
        },
      ]),
    },
    readyUrl: `${simUrl}/healthz`,
  });
  client = new MediaServiceClient(gateway.grpcAddress, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 20 * 1024 * 1024,
  });
  templates = new WabaTemplateServiceClient(gateway.grpcAddress, credentials.createInsecure());
}, 120_000);

afterAll(async () => {
  client?.close();
  templates?.close();
  await simulator?.stop();
  await gateway?.stop();
});

/** Uploads through Meta's `POST /{v}/{phone-number-id}/media`, as a business would. */
async function upload(bytes: Uint8Array, mimeType: string): Promise<string> {
  const form = new FormData();
  form.set('messaging_product', 'whatsapp');
  form.set('type', mimeType);
  form.set('file', new Blob([bytes], { type: mimeType }), 'photo.jpg');
  const response = await fetch(`${simUrl}/v23.0/${channel.phone_number_id}/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${channel.access_token}` },
    body: form,
  });
  expect(response.status).toBe(200);
  return z.object({ id: z.string() }).parse(await response.json()).id;
}

function fetchMedia(tenantId: string, request: { phoneNumberId: string; mediaId: string }): Promise<FetchMediaResponse> {
  return new Promise((resolve, reject) => {
    client.fetchMedia(request, metadataForCaller({ tenantId, actor: 'service:messaging', roles: [] }), (error, response) => {
      if (error === null) resolve(response);
      else reject(fromGrpcError(error));
    });
  });
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as DomainError,
  );
  if (error === undefined) throw new Error('expected a refusal');
  return error;
}

describe('MediaService.FetchMedia', () => {
  it('returns the exact bytes Meta holds, with their MIME type, sha256 and size', async () => {
    // a JPEG header so the simulator's type checks pass, then random bytes
    const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(200_000)]);
    const mediaId = await upload(bytes, 'image/jpeg');

    const fetched = await fetchMedia(TENANT_A, { phoneNumberId: channel.phone_number_id, mediaId });

    expect(Buffer.from(fetched.content).equals(bytes)).toBe(true);
    expect(fetched.mimeType).toBe('image/jpeg');
    expect(fetched.sizeBytes).toBe(bytes.length);
    expect(fetched.maxBytes).toBe(16 * 1024 * 1024);
    expect(fetched.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses another tenant's number as unknown, and an unknown media id as media_not_found", async () => {
    const mediaId = await upload(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]), 'image/jpeg');

    const foreign = await refusal(fetchMedia(TENANT_B, { phoneNumberId: channel.phone_number_id, mediaId }));
    expect(foreign.code).toBe('channel_not_found');
    expect(foreign.kind).toBe('not_found');

    const unknown = await refusal(fetchMedia(TENANT_A, { phoneNumberId: channel.phone_number_id, mediaId: '9999999999999999' }));
    expect(unknown.code).toBe('media_not_found');
    expect(unknown.message).not.toContain(SECRET_MARKER);

    const malformed = await refusal(fetchMedia(TENANT_A, { phoneNumberId: channel.phone_number_id, mediaId: '../x' }));
    expect(malformed.code).toBe('invalid_media_request');
    expect(gateway.logs.text()).not.toContain(SECRET_MARKER);
  });
});

function listTemplates(tenantId: string): Promise<ListWabaTemplatesResponse> {
  return new Promise((resolve, reject) => {
    templates.listWabaTemplates({ wabaId: '' }, metadataForCaller({ tenantId, actor: 'service:messaging', roles: [] }), (error, response) => {
      if (error === null) resolve(response);
      else reject(fromGrpcError(error));
    });
  });
}

describe('WabaTemplateService.ListWabaTemplates', () => {
  it("lists the templates of the tenant's WABA with the number's token", async () => {
    const listed = await listTemplates(TENANT_A);
    expect(listed.channels).toEqual([{ phoneNumberId: channel.phone_number_id, wabaId: channel.waba_id }]);
    expect(listed.templates.every((template) => template.wabaId === channel.waba_id)).toBe(true);
  });

  it('answers a token WhatsApp refuses (190) with channel_credentials_rejected, which no retry cures', async () => {
    // Tenant B's numbers are unknown to this simulator: Meta's answer to a token it does not know.
    const refused = await refusal(listTemplates(TENANT_B));
    expect(refused.code).toBe('channel_credentials_rejected');
    expect(refused.kind).toBe('failed_precondition');
    expect(refused.message).not.toContain(SECRET_MARKER);
    expect(gateway.logs.text()).not.toContain(SECRET_MARKER);
  });
});
