// Patient records through the api, every app a real process and Meta played by the simulator:
// staff register a patient and upload a PDF (multipart) through the REST api, share it, and
// follow the share's status through the api while the patient walks the release page
// (sent → opened → verified → downloaded). Then the patient writes "my results" in WhatsApp,
// receives the list of released documents (dates only), picks one and receives a fresh link; the
// patient's conversation shows the patient it is linked to.
import { randomUUID } from 'node:crypto';
import { type Stack, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('records-api', {
  apps: ['wa-simulator', 'gateway', 'ingest', 'messaging', 'records', 'api'],
});
const DOB = '1981-11-09';
const TITLE = 'Thyroid panel';

const shareSchema = z.object({ id: z.string(), status: z.string() });

async function phoneEntries(s: Stack, waId: string): Promise<{ id: string; type: string; content: unknown }[]> {
  return (await s.simulator.inbox(waId)).map((entry) => ({ id: entry.id, type: entry.type, content: entry.content }));
}

/** Everything the phone received, as the simulator shows it (rendered template text included). */
async function phoneText(s: Stack, waId: string): Promise<string> {
  const response = await requestJson('GET', `${s.urls.simulator}/_sim/patients/${encodeURIComponent(waId)}/inbox`);
  return response.status === 404 ? '' : JSON.stringify(response.body);
}

/** Every release link token the phone received, in order. */
async function linkTokens(s: Stack, waId: string): Promise<string[]> {
  return [...(await phoneText(s, waId)).matchAll(/\/r\/([A-Za-z0-9_-]{43})/g)].map((match) => match[1]!);
}

describe('records through the api', () => {
  it('uploads, shares, follows the release status, and lets the patient ask for results in chat', async () => {
    const s = stack();
    const admin = await s.mintToken({ roles: ['admin'] });
    expect((await requestJson('POST', `${s.urls.api}/v1/templates/sync`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    const nurse = await s.mintToken({ subject: `nurse-${randomUUID().slice(0, 8)}`, roles: ['nurse'] });
    const auth = { authorization: `Bearer ${nurse}` };
    const waId = randomWaId();

    const created = await requestJson('POST', `${s.urls.api}/v1/patients`, {
      headers: auth,
      body: { mrn: `E2E-${randomUUID().slice(0, 8)}`, givenName: 'Grace', familyName: 'Hopper', dateOfBirth: DOB, waId, preferredLanguage: 'en' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const patientId = z.object({ id: z.string() }).parse(created.body).id;

    // multipart upload: the declared type is wrong on purpose, records sniffs the PDF
    const content = Buffer.from('%PDF-1.4\n% TSH 2.1 mIU/L\n%%EOF\n', 'latin1');
    const form = new FormData();
    form.append('title', TITLE);
    form.append('file', new Blob([content], { type: 'image/png' }), 'thyroid.png');
    const uploaded = await fetch(`${s.urls.api}/v1/patients/${patientId}/documents`, { method: 'POST', headers: auth, body: form });
    expect(uploaded.status).toBe(201);
    const document = z.object({ id: z.string(), contentType: z.string() }).parse(await uploaded.json());
    expect(document.contentType).toBe('application/pdf');

    // a non-PDF/image refused with a clear 400, whatever it claims to be
    const bad = new FormData();
    bad.append('title', 'Not a PDF');
    bad.append('file', new Blob([Buffer.from('<html>hello</html>')], { type: 'application/pdf' }), 'x.pdf');
    const refused = await fetch(`${s.urls.api}/v1/patients/${patientId}/documents`, { method: 'POST', headers: auth, body: bad });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('unsupported_content_type');

    const shared = await requestJson('POST', `${s.urls.api}/v1/documents/${document.id}/shares`, {
      headers: { ...auth, 'idempotency-key': randomUUID() },
      body: { expiresInMinutes: 30 },
    });
    expect(shared.status, JSON.stringify(shared.body)).toBe(201);
    const share = shareSchema.parse(shared.body);
    const status = async () => {
      const listed = await requestJson('GET', `${s.urls.api}/v1/documents/${document.id}/shares`, { headers: auth });
      expect(listed.status).toBe(200);
      return z.object({ items: z.array(shareSchema) }).parse(listed.body).items.find((item) => item.id === share.id)?.status;
    };
    expect(await status()).toBe('sent');

    const token = await waitFor(async () => (await linkTokens(s, waId))[0], { message: 'the result_ready notice', timeoutMs: 30_000 });
    expect(await phoneText(s, waId)).not.toMatch(/Thyroid|TSH/);
    const page = `${s.urls.records ?? ''}/r/${token}`;
    expect((await fetch(page)).status).toBe(200);
    expect(await status()).toBe('opened');

    const dob = await fetch(`${page}/dob`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `dob=${DOB}`,
      redirect: 'manual',
    });
    expect(dob.status).toBe(303);
    const code = await waitFor(async () => /\b(\d{6})\b is your verification code/.exec(await phoneText(s, waId))?.[1], {
      message: 'the one-time code',
      timeoutMs: 30_000,
    });
    const verified = await fetch(`${page}/code`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `code=${code}`,
      redirect: 'manual',
    });
    expect(verified.status).toBe(303);
    expect(await status()).toBe('verified');
    const cookie = (verified.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const download = await fetch(`${page}/document?download=1`, { headers: { cookie } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
    expect(await status()).toBe('downloaded');

    // staff download through the api: the same bytes, as an attachment
    const staffCopy = await fetch(`${s.urls.api}/v1/documents/${document.id}/content`, { headers: auth });
    expect(staffCopy.status).toBe(200);
    expect(staffCopy.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(Buffer.from(await staffCopy.arrayBuffer()).equals(content)).toBe(true);

    // FHIR: the DiagnosticReport of the document points at its DocumentReference
    const report = await requestJson('GET', `${s.urls.api}/v1/fhir/DiagnosticReport/${document.id}`, { headers: auth });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ resourceType: 'DiagnosticReport', subject: { reference: `Patient/${patientId}` } });

    // self-service: "my results" lists the released document (a date, not its title) …
    await s.patientSays(waId, 'My results');
    const list = await waitFor(
      async () => (await phoneEntries(s, waId)).find((entry) => entry.type === 'interactive' && JSON.stringify(entry.content).includes('records:share:')),
      { message: 'the self-service list', timeoutMs: 30_000 },
    );
    expect(JSON.stringify(list.content)).toContain(`records:share:${share.id}`);
    expect(JSON.stringify(list.content)).not.toMatch(/Thyroid|TSH/);

    // … and picking it (one document: a reply button) sends a fresh link that opens the release page again
    const picked = await requestJson('POST', `${s.urls.simulator}/_sim/patients/${encodeURIComponent(waId)}/messages`, {
      body: {
        phone_number_id: s.seed.whatsapp.phoneNumberId,
        type: 'interactive',
        context: { message_id: list.id },
        interactive: { type: 'button_reply', id: `records:share:${share.id}` },
      },
    });
    expect(picked.status, JSON.stringify(picked.body)).toBe(200);
    const fresh = await waitFor(async () => (await linkTokens(s, waId)).find((t) => t !== token), {
      message: 'the re-issued link',
      timeoutMs: 30_000,
    });
    expect((await fetch(`${s.urls.records ?? ''}/r/${fresh}`)).status).toBe(200);
    const shares = await requestJson('GET', `${s.urls.api}/v1/documents/${document.id}/shares`, { headers: auth });
    expect(z.object({ items: z.array(shareSchema) }).parse(shares.body).items).toHaveLength(2);

    // the patient's conversation is linked to the record (records' PatientCreated → messaging)
    const conversationSchema = z.object({ id: z.string(), patientId: z.string().nullable(), contactState: z.string(), patient: z.object({ phoneNumber: z.string().nullable() }) });
    const linked = await waitFor(
      async () => {
        const listed = await requestJson('GET', `${s.urls.api}/v1/conversations?patientId=${patientId}`, { headers: auth });
        return z.object({ items: z.array(conversationSchema) }).parse(listed.body).items[0];
      },
      { message: "the patient's conversation linked", timeoutMs: 30_000 },
    );
    const conversation = await requestJson('GET', `${s.urls.api}/v1/conversations/${linked.id}`, { headers: auth });
    expect(conversation.status).toBe(200);
    expect(conversationSchema.parse(conversation.body)).toMatchObject({ patientId, contactState: 'linked', patient: { phoneNumber: `+${waId}` } });
  });
});
