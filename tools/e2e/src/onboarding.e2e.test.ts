// Onboarding a new hospital end to end, every app a real process: the platform operator's command
// line (tools/admin, run as a process) creates the hospital, registers its WhatsApp number (secrets
// from files) and its first administrator; that administrator continues through the api (teams,
// staff); then a patient writes to the NEW number (the simulator playing Meta) and the message
// reaches the new hospital's inbox, and not the demo hospital's. The demo hospital's administrator
// cannot see or touch the new number.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expectStatus, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemCode, staffClient } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('onboarding');
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const run = promisify(execFile);

const digits = (n: number) => `1${Array.from({ length: n - 1 }, () => Math.floor(Math.random() * 10)).join('')}`;
const NEW_NUMBER = digits(15);
const NEW_WABA = digits(15);
const NEW_DISPLAY = `1555${digits(7)}`;
const ACCESS_TOKEN = `EAAonboard${randomBytes(24).toString('base64url')}`;
const APP_SECRET = randomBytes(16).toString('hex');
const PATIENT_TEXT = 'Onboarding check: first message to the new hospital';

let secretsDir: string;

/** The operator's CLI as a process, against the stack's gRPC ports; its JSON output parsed. */
async function admin(...args: string[]): Promise<unknown> {
  const { stdout } = await run(
    path.join(repoRoot, 'node_modules/.bin/tsx'),
    [path.join(repoRoot, 'tools/admin/src/main.ts'), ...args, '--as', 'e2e'],
    {
      cwd: repoRoot,
      env: { ...process.env, MESSAGING_GRPC_URL: stack().urls.messagingGrpc, GATEWAY_GRPC_URL: stack().urls.gatewayGrpc },
    },
  );
  return JSON.parse(stdout) as unknown;
}

beforeAll(async () => {
  secretsDir = await mkdtemp(path.join(tmpdir(), 'onboarding-'));
  await writeFile(path.join(secretsDir, 'token'), `${ACCESS_TOKEN}\n`, { mode: 0o600 });
  await writeFile(path.join(secretsDir, 'secret'), APP_SECRET, { mode: 0o600 });
});

afterAll(async () => {
  await rm(secretsDir, { recursive: true, force: true });
});

describe('onboarding a hospital', () => {
  let tenantId: string;

  it('the operator creates the hospital, its number and its administrator with the CLI', async () => {
    const tenant = z
      .object({ id: z.uuid(), name: z.string(), timeZone: z.string() })
      .parse(await admin('tenant', 'create', '--name', 'Hospital Onboarded', '--time-zone', 'Europe/Lisbon', '--language', 'pt_PT'));
    tenantId = tenant.id;
    expect(tenant).toMatchObject({ name: 'Hospital Onboarded', timeZone: 'Europe/Lisbon' });

    const channel = await admin(
      'channel', 'register', '--tenant', tenantId, '--phone-number-id', NEW_NUMBER, '--waba-id', NEW_WABA, '--display', NEW_DISPLAY,
      '--access-token-file', path.join(secretsDir, 'token'), '--app-secret-file', path.join(secretsDir, 'secret'),
    );
    expect(channel).toMatchObject({ phoneNumberId: NEW_NUMBER, tenantId, status: 'active' });
    expect(JSON.stringify(channel)).not.toContain(ACCESS_TOKEN);

    expect(await admin('staff', 'add', '--tenant', tenantId, '--subject', 'onboarded-admin', '--roles', 'admin', '--name', 'Ana Admin')).toMatchObject({
      subject: 'onboarded-admin',
      roles: ['admin'],
      created: true,
    });
    const tenants = z.array(z.object({ id: z.string() })).parse(await admin('tenant', 'list'));
    expect(tenants.map((t) => t.id)).toEqual(expect.arrayContaining([tenantId, stack().seed.tenant.id]));
  });

  it("the hospital's administrator continues through the api; credentials never come back", async () => {
    const token = await stack().mintToken({ tenantId, subject: 'onboarded-admin', roles: ['admin'] });
    const headers = { authorization: `Bearer ${token}` };
    const api = (method: string, route: string, body?: unknown) =>
      requestJson(method, `${stack().urls.api}/v1/admin${route}`, { headers, ...(body === undefined ? {} : { body }) });

    expect(expectStatus(await api('GET', '/tenant'), 200, z.object({ id: z.string(), name: z.string() }), 'tenant')).toEqual(
      expect.objectContaining({ id: tenantId, name: 'Hospital Onboarded' }),
    );
    const channels = await api('GET', '/channels');
    expect(channels.status).toBe(200);
    expect(JSON.stringify(channels.body)).toContain(NEW_NUMBER);
    expect(JSON.stringify(channels.body)).not.toContain(ACCESS_TOKEN);
    expect(JSON.stringify(channels.body)).not.toContain(APP_SECRET);

    const team = expectStatus(await api('POST', '/teams', { name: 'Urgencias' }), 201, z.object({ id: z.string() }), 'team');
    const nurse = await api('POST', '/staff', { subject: 'onboarded-nurse', displayName: 'Nuno Nurse', roles: ['nurse'], teamIds: [team.id] });
    expect(nurse.status).toBe(201);
    // a body naming a tenant is refused, whatever tenant it names
    const hijack = await api('POST', '/teams', { name: 'Hijack', tenantId: stack().seed.tenant.id });
    expect(hijack.status).toBe(400);
  });

  it("a patient's message to the new number reaches the new hospital's inbox, not the demo hospital's", async () => {
    // Meta (the simulator) learns of the number as Meta would: the business's webhook and credentials
    const business = await requestJson('POST', `${stack().urls.simulatorControl}/businesses`, {
      body: {
        phone_number_id: NEW_NUMBER,
        display_phone_number: NEW_DISPLAY,
        waba_id: NEW_WABA,
        access_token: ACCESS_TOKEN,
        app_secret: APP_SECRET,
        webhook_url: stack().urls.webhook,
        verify_token: stack().seed.whatsapp.verifyToken,
      },
    });
    expect(business.status, JSON.stringify(business.body)).toBe(201);

    const waId = randomWaId();
    await stack().patientSays(waId, PATIENT_TEXT, { phoneNumberId: NEW_NUMBER });
    const newNurse = await staffClient(stack(), { tenantId, subject: 'onboarded-nurse', roles: ['nurse'] });
    const conversation = await waitFor(() => newNurse.conversationWith(waId), {
      message: "the patient's conversation in the new hospital's inbox",
      timeoutMs: 30_000,
    });
    expect(conversation.phoneNumberId).toBe(NEW_NUMBER);
    const messages = await newNurse.messages(conversation.id);
    expect(messages.map((m) => m.content.text)).toContain(PATIENT_TEXT);

    const demoNurse = await staffClient(stack());
    expect(await demoNurse.conversationWith(waId)).toBeUndefined();
    const foreign = await demoNurse.getConversation(conversation.id);
    expect(foreign.status).toBe(404);
  });

  it("the demo hospital's administrator can neither see nor touch the new number", async () => {
    const token = await stack().mintToken({ roles: ['admin'] });
    const headers = { authorization: `Bearer ${token}` };
    const listed = await requestJson('GET', `${stack().urls.api}/v1/admin/channels`, { headers });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(stack().seed.whatsapp.phoneNumberId);
    expect(JSON.stringify(listed.body)).not.toContain(NEW_NUMBER);
    const touched = await requestJson('PATCH', `${stack().urls.api}/v1/admin/channels/${NEW_NUMBER}`, { headers, body: { status: 'disabled' } });
    expect(touched.status).toBe(404);
    expect(problemCode(touched)).toBe('channel_not_found');
    // the demo hospital was onboarded through the same path by the stack's seed
    const tenant = await requestJson('GET', `${stack().urls.api}/v1/admin/tenant`, { headers });
    expect(tenant.status).toBe(200);
    expect(tenant.body).toMatchObject({ id: stack().seed.tenant.id, name: stack().seed.tenant.name });
    const staff = await requestJson('GET', `${stack().urls.api}/v1/admin/staff`, { headers });
    expect(JSON.stringify(staff.body)).toContain(stack().seed.staff.subject);
  });
});
