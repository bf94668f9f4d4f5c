// Patients, documents, shares and FHIR routes in-process (app.inject) against the in-memory
// RecordsService: request validation, the multipart upload (limits, not multipart, sniffing
// refusal), the tenant always the token's, 404 for another tenant's ids, download headers, FHIR
// content types and the OperationOutcome of an invalid resource, and no patient data in the logs.
import { randomUUID } from 'node:crypto';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { ConsentKind, ConsentSource } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemSchema } from '../schemas/common';
import { documentSchema, patientListSchema, patientSchema, shareListSchema, shareSchema } from '../schemas/records';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { type FakeRecords, PDF_BYTES, createFakeRecords } from '../testing/fake-records';

const MAX_BYTES = 4096;
let auth: TestAuth;
let fake: FakeRecords;
let app: TestApp;
let nurse: string;

beforeAll(async () => {
  auth = await createTestAuth();
  fake = createFakeRecords();
  app = await buildTestApp(testConfig({ DOCUMENT_MAX_BYTES: String(MAX_BYTES) }), { verifier: auth.verifier, records: fake.client });
  nurse = await auth.mint({ roles: ['nurse'] });
});

afterAll(() => app.close());

type Method = 'GET' | 'POST' | 'PATCH';
function call(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}, token = nurse) {
  return app.http.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...headers },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

function multipart(parts: { name: string; value: string | Uint8Array; filename?: string; type?: string }[]) {
  const boundary = `b-${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: ${disposition}\r\n${part.type === undefined ? '' : `content-type: ${part.type}\r\n`}\r\n`));
    chunks.push(Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

function upload(patientId: string, parts: Parameters<typeof multipart>[0], headers: Record<string, string> = {}) {
  const body = multipart(parts);
  return app.http.app.inject({
    method: 'POST',
    url: `/v1/patients/${patientId}/documents`,
    headers: { authorization: `Bearer ${nurse}`, ...body.headers, ...headers },
    payload: body.payload,
  });
}

const code = (response: { json(): unknown }) => problemSchema.parse(response.json()).code;

describe('patients', () => {
  it('creates a patient in the token tenant (a tenantId in the body is refused before records)', async () => {
    const body = { mrn: 'MRN-77', givenName: 'Canary Given', familyName: 'Canary Family', dateOfBirth: '1980-02-29', waId: '34600111222' };
    const before = fake.calls.length;
    const refused = await call('POST', '/v1/patients', { ...body, tenantId: randomUUID() });
    expect(refused.statusCode).toBe(400);
    expect(fake.calls.length).toBe(before);

    const response = await call('POST', '/v1/patients', body);
    expect(response.statusCode, response.body).toBe(201);
    expect(patientSchema.parse(response.json())).toMatchObject({ mrn: 'MRN-77', waId: '34600111222', preferredLanguage: null });
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'createPatient',
      caller: { tenantId: auth.tenantId, actor: expect.stringMatching(/^user:/) as unknown },
      request: { patient: { ...body, preferredLanguage: '' } },
    });
    // patient data never in the logs
    expect(app.logs()).not.toContain('Canary');
    expect(app.logs()).not.toContain('1980-02-29');
  });

  it('validates fields and search queries with paths, never values', async () => {
    const bad = await call('POST', '/v1/patients', { mrn: ' ', givenName: 'A', familyName: 'B', dateOfBirth: '29/02/1980', waId: '+34 600' });
    expect(bad.statusCode).toBe(400);
    const paths = (problemSchema.parse(bad.json()).details?.['errors'] as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['body/dateOfBirth', 'body/mrn', 'body/waId']);
    expect(bad.body).not.toContain('29/02/1980');

    expect((await call('GET', '/v1/patients')).statusCode).toBe(400);
    expect((await call('GET', '/v1/patients?mrn=1&familyName=X')).statusCode).toBe(400);
    expect((await call('GET', '/v1/patients?birthDate=1980-01-01&mrn=1')).statusCode).toBe(400);
  });

  it('searches by family name and birth date, maps to SearchPatients', async () => {
    const patient = fake.addPatient(auth.tenantId, { familyName: 'Searchable', dateOfBirth: '1990-05-05' });
    const response = await call('GET', '/v1/patients?familyName=searchable&birthDate=1990-05-05');
    expect(response.statusCode, response.body).toBe(200);
    expect(patientListSchema.parse(response.json()).items.map((p) => p.id)).toEqual([patient.id]);
    expect(fake.calls.at(-1)?.request).toMatchObject({
      query: { $case: 'name', value: { familyName: 'searchable', dateOfBirth: '1990-05-05', givenNamePrefix: '' } },
    });
  });

  it('patches only the given fields (read, then the merged update)', async () => {
    const patient = fake.addPatient(auth.tenantId, { givenName: 'Old', preferredLanguage: 'en' });
    const response = await call('PATCH', `/v1/patients/${patient.id}`, { givenName: 'New', preferredLanguage: null });
    expect(response.statusCode, response.body).toBe(200);
    expect(fake.calls.slice(-2).map((c) => c.method)).toEqual(['getPatient', 'updatePatient']);
    expect(fake.calls.at(-1)?.request).toMatchObject({
      patientId: patient.id,
      patient: { givenName: 'New', familyName: patient.familyName, mrn: patient.mrn, preferredLanguage: '', waId: patient.waId },
    });
  });

  it("answers 404 for another tenant's patient, and records consent with its enums", async () => {
    const other = fake.addPatient(randomUUID());
    const response = await call('GET', `/v1/patients/${other.id}`);
    expect(response.statusCode).toBe(404);
    expect(code(response)).toBe('patient_not_found');
    expect(response.body).not.toContain(other.mrn);

    const mine = fake.addPatient(auth.tenantId);
    const recorded = await call('POST', `/v1/patients/${mine.id}/consents`, { kind: 'result_release_whatsapp', granted: true, source: 'paper_form' });
    expect(recorded.statusCode, recorded.body).toBe(201);
    expect(fake.calls.at(-1)?.request).toEqual({
      patientId: mine.id,
      kind: ConsentKind.CONSENT_KIND_RESULT_RELEASE_WHATSAPP,
      granted: true,
      source: ConsentSource.CONSENT_SOURCE_PAPER_FORM,
    });
    const listed = await call('GET', `/v1/patients/${mine.id}/consents`);
    expect(listed.json()).toMatchObject({ current: [{ kind: 'result_release_whatsapp', granted: true, source: 'paper_form' }] });
  });
});

describe('document upload (multipart)', () => {
  it('uploads a PDF: type sniffed by records, declared type and name passed as information, idempotency key passed on', async () => {
    const patient = fake.addPatient(auth.tenantId);
    const response = await upload(
      patient.id,
      [
        { name: 'title', value: 'Blood panel' },
        { name: 'file', value: PDF_BYTES, filename: 'panel.png', type: 'image/png' },
      ],
      { 'idempotency-key': 'upload-1' },
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(documentSchema.parse(response.json())).toMatchObject({ contentType: 'application/pdf', fileName: 'panel.png', title: 'Blood panel' });
    expect(fake.calls.at(-1)?.request).toMatchObject({
      patientId: patient.id,
      declaredContentType: 'image/png',
      idempotencyKey: 'upload-1',
      content: Buffer.from(PDF_BYTES),
    });
  });

  it('refuses bytes that are not a PDF or an image with 400 unsupported_content_type, whatever is declared', async () => {
    const patient = fake.addPatient(auth.tenantId);
    const response = await upload(patient.id, [
      { name: 'title', value: 'Looks like a PDF' },
      { name: 'file', value: Buffer.from('MZ\x90\x00 an executable'), filename: 'result.pdf', type: 'application/pdf' },
    ]);
    expect(response.statusCode).toBe(400);
    expect(code(response)).toBe('unsupported_content_type');
  });

  it('refuses a file over the limit with 413 before records is called', async () => {
    const patient = fake.addPatient(auth.tenantId);
    const before = fake.calls.length;
    const big = Buffer.concat([Buffer.from(PDF_BYTES), Buffer.alloc(MAX_BYTES)]);
    const response = await upload(patient.id, [
      { name: 'title', value: 'Too big' },
      { name: 'file', value: big, filename: 'big.pdf', type: 'application/pdf' },
    ]);
    expect(response.statusCode).toBe(413);
    expect(code(response)).toBe('payload_too_large');
    expect(fake.calls.length).toBe(before);
  });

  it('refuses a JSON body with 415, a missing file or title or an unknown part with 400 naming them, and a truncated body with 400', async () => {
    const patient = fake.addPatient(auth.tenantId);
    const json = await call('POST', `/v1/patients/${patient.id}/documents`, { title: 'x', file: 'JVBERi0=' });
    expect(json.statusCode).toBe(415);
    expect(code(json)).toBe('unsupported_media_type');

    const missing = await upload(patient.id, [{ name: 'note', value: 'hello' }]);
    expect(missing.statusCode).toBe(400);
    const paths = (problemSchema.parse(missing.json()).details?.['errors'] as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['body/file', 'body/note', 'body/title']);

    // a body cut short (no closing boundary) is the client's malformed input, not a server error
    const whole = multipart([{ name: 'title', value: 'Lab' }, { name: 'file', value: '%PDF-1.7 x', filename: 'a.pdf' }]);
    const cut = await app.http.app.inject({
      method: 'POST',
      url: `/v1/patients/${patient.id}/documents`,
      headers: { authorization: `Bearer ${nurse}`, ...whole.headers },
      payload: whole.payload.subarray(0, whole.payload.length - 30),
    });
    expect(cut.statusCode).toBe(400);
    expect(code(cut)).toBe('malformed_multipart');
  });
});

describe('documents and shares', () => {
  it('downloads with attachment, no-store and nosniff headers', async () => {
    const patient = fake.addPatient(auth.tenantId);
    const document = fake.addDocument(auth.tenantId, patient.id);
    const response = await call('GET', `/v1/documents/${document.id}/content`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="panel.pdf"/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.rawPayload.equals(Buffer.from(PDF_BYTES))).toBe(true);
  });

  it('shares (idempotency key from the header, mismatch refused), lists with status, revokes', async () => {
    const patient = fake.addPatient(auth.tenantId);
    const document = fake.addDocument(auth.tenantId, patient.id);
    const mismatch = await call('POST', `/v1/documents/${document.id}/shares`, { idempotencyKey: 'a' }, { 'idempotency-key': 'b' });
    expect(code(mismatch)).toBe('idempotency_key_mismatch');

    const shared = await call('POST', `/v1/documents/${document.id}/shares`, { expiresInMinutes: 60 }, { 'idempotency-key': 'share-1' });
    expect(shared.statusCode, shared.body).toBe(201);
    const share = shareSchema.parse(shared.json());
    expect(share).toMatchObject({ documentId: document.id, status: 'sent', revokedAt: null });
    expect(fake.calls.at(-1)?.request).toEqual({ documentId: document.id, expiresInMinutes: 60, idempotencyKey: 'share-1' });

    const listed = shareListSchema.parse((await call('GET', `/v1/documents/${document.id}/shares`)).json());
    expect(listed.items.map((s) => [s.id, s.status])).toEqual([[share.id, 'sent']]);

    const revoked = await call('POST', `/v1/shares/${share.id}/revoke`);
    expect(shareSchema.parse(revoked.json())).toMatchObject({ status: 'revoked' });
    expect((await call('POST', `/v1/shares/${randomUUID()}/revoke`)).statusCode).toBe(404);
    expect((await call('POST', `/v1/documents/${document.id}/shares`, { expiresInMinutes: 0 })).statusCode).toBe(400);
  });
});

describe('FHIR', () => {
  it('imports a Patient sent as application/fhir+json (created, Location) and exports it with the FHIR content type', async () => {
    const resource = { resourceType: 'Patient', identifier: [{ system: 'urn:careline:mrn', value: 'F-1' }], birthDate: '1975-03-03' };
    const response = await app.http.app.inject({
      method: 'POST',
      url: '/v1/fhir/Patient',
      headers: { authorization: `Bearer ${nurse}`, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(resource),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ created: true });
    const id = z.object({ resource: z.object({ id: z.string() }) }).parse(response.json()).resource.id;
    expect(response.headers['location']).toBe(`/v1/fhir/Patient/${id}`);

    const exported = await call('GET', `/v1/fhir/Patient/${id}`);
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(exported.json()).toMatchObject({ resourceType: 'Patient', id });
  });

  it('refuses an invalid resource with 400 invalid_fhir_resource and an OperationOutcome; a type other than the path\'s likewise', async () => {
    const invalid = await call('POST', '/v1/fhir/Patient', { resourceType: 'Patient', birthDate: 12 });
    expect(invalid.statusCode).toBe(400);
    expect(problemSchema.parse(invalid.json())).toMatchObject({
      code: 'invalid_fhir_resource',
      details: { operationOutcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', expression: ['Patient.birthDate'] }] } },
    });
    const before = fake.calls.length;
    const wrongType = await call('POST', '/v1/fhir/Patient', { resourceType: 'Observation' });
    expect(problemSchema.parse(wrongType.json())).toMatchObject({ code: 'invalid_fhir_resource', details: { operationOutcome: { resourceType: 'OperationOutcome' } } });
    expect(fake.calls.length).toBe(before);
    const notJson = await app.http.app.inject({
      method: 'POST',
      url: '/v1/fhir/Patient',
      headers: { authorization: `Bearer ${nurse}`, 'content-type': 'application/fhir+json' },
      payload: '{"resourceType": ',
    });
    expect(notJson.statusCode).toBe(400);
  });

  it('exports a DiagnosticReport for a document; another tenant\'s document is 404', async () => {
    const patient = fake.addPatient(auth.tenantId);
    const document = fake.addDocument(auth.tenantId, patient.id);
    const response = await call('GET', `/v1/fhir/DiagnosticReport/${document.id}`);
    expect(response.statusCode).toBe(200);
    expect(fake.calls.at(-1)?.request).toEqual({ resourceType: 'DiagnosticReport', id: document.id });
    const foreign = fake.addDocument(randomUUID(), fake.addPatient(randomUUID()).id);
    expect((await call('GET', `/v1/fhir/DiagnosticReport/${foreign.id}`)).statusCode).toBe(404);
  });

  it('answers 503 service_unavailable while records is down', async () => {
    fake.setAvailable(false);
    try {
      const response = await call('GET', `/v1/patients?mrn=X`);
      expect(response.statusCode).toBe(503);
      expect(problemSchema.parse(response.json())).toMatchObject({ code: 'service_unavailable', details: { service: 'records' } });
    } finally {
      fake.setAvailable(true);
    }
  });
});
