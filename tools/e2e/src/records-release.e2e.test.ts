// Result release through every real process, Meta played by the simulator: staff register a
// patient, upload a PDF and share it through RecordsService (records' gRPC; the api endpoints come
// later); the patient's phone (the simulator) receives the "result ready" template with the link
// (no clinical content), opens records' release page, gives the date of birth, receives the
// one-time code as an authentication template, enters it and downloads the document.
import { randomUUID } from 'node:crypto';
import { type Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  type CreatePatientRequest,
  type CreatePatientResponse,
  RecordsServiceClient,
  type ShareDocumentRequest,
  type ShareDocumentResponse,
  type UploadDocumentRequest,
  type UploadDocumentResponse,
} from '@careline/contracts';
import { metadataForCaller } from '@careline/runtime';
import { type Stack, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('records', {
  apps: ['wa-simulator', 'gateway', 'ingest', 'messaging', 'records', 'api'],
});
const DOB = '1979-08-30';

function unary<Req, Res>(
  start: (request: Req, metadata: Metadata, callback: (e: ServiceError | null, r: Res) => void) => unknown,
) {
  return (request: Req, metadata: Metadata): Promise<Res> =>
    new Promise((resolve, reject) => {
      start(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
    });
}

/** Everything the patient's phone received, as text (the simulator's inbox). */
async function phoneText(s: Stack, waId: string): Promise<string> {
  const response = await requestJson(
    'GET',
    `${s.urls.simulator}/_sim/patients/${encodeURIComponent(waId)}/inbox`,
  );
  return response.status === 404 ? '' : JSON.stringify(response.body);
}

describe('result release through every app', () => {
  let client: RecordsServiceClient | undefined;
  afterAll(() => client?.close());

  it('the patient receives the notice, proves who they are with the WhatsApp code, and downloads the result', async () => {
    const s = stack();
    // the template registry comes from the simulator's Graph template list, through the gateway
    const admin = await s.mintToken({ roles: ['admin'] });
    const synced = await requestJson('POST', `${s.urls.api}/v1/templates/sync`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(synced.status).toBe(200);

    client = new RecordsServiceClient(s.urls.recordsGrpc ?? '', credentials.createInsecure());
    const c = client;
    const nurse = metadataForCaller({
      tenantId: s.seed.tenant.id,
      actor: 'user:e2e-nurse',
      roles: ['nurse'],
    });
    const waId = randomWaId();
    const { patient } = await unary<CreatePatientRequest, CreatePatientResponse>((r, m, cb) =>
      c.createPatient(r, m, cb),
    )(
      {
        patient: {
          mrn: `E2E-${randomUUID().slice(0, 8)}`,
          givenName: 'Rosalind',
          familyName: 'Franklin',
          dateOfBirth: DOB,
          waId,
          preferredLanguage: 'en',
        },
      },
      nurse,
    );
    const content = Buffer.from('%PDF-1.4\n% X-ray crystallography report\n%%EOF\n', 'latin1');
    const { document } = await unary<UploadDocumentRequest, UploadDocumentResponse>((r, m, cb) =>
      c.uploadDocument(r, m, cb),
    )(
      {
        patientId: patient!.id,
        title: 'Imaging report',
        fileName: 'report.pdf',
        declaredContentType: 'application/pdf',
        content,
        idempotencyKey: randomUUID(),
      },
      nurse,
    );
    await unary<ShareDocumentRequest, ShareDocumentResponse>((r, m, cb) => c.shareDocument(r, m, cb))(
      { documentId: document!.id, expiresInMinutes: 30, idempotencyKey: randomUUID() },
      nurse,
    );

    // the notice on the phone: a link, and nothing clinical
    const token = await waitFor(async () => /\/r\/([A-Za-z0-9_-]{43})/.exec(await phoneText(s, waId))?.[1], {
      message: 'the result_ready template to reach the patient',
      timeoutMs: 30_000,
    });
    expect(await phoneText(s, waId)).not.toMatch(/Imaging report|X-ray/);

    const page = `${s.urls.records ?? ''}/r/${token}`;
    expect((await fetch(page)).status).toBe(200);
    const dob = await fetch(`${page}/dob`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `dob=${DOB}`,
      redirect: 'manual',
    });
    expect(dob.status).toBe(303);
    const code = await waitFor(
      async () => /\b(\d{6})\b is your verification code/.exec(await phoneText(s, waId))?.[1],
      {
        message: 'the one-time code to reach the patient',
        timeoutMs: 30_000,
      },
    );
    const verified = await fetch(`${page}/code`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `code=${code}`,
      redirect: 'manual',
    });
    expect(verified.status).toBe(303);
    const cookie = (verified.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const download = await fetch(`${page}/document?download=1`, { headers: { cookie } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
  });
});
