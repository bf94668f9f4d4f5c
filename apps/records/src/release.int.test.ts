// The release flow over HTTP against the running app: staff upload and share through gRPC, the
// "result ready" notice and the one-time code are captured by a fake MessagingService (as the
// patient's phone would receive them), and the patient walks the release page: date of birth,
// code, download. Then lockout, expiry, revocation, and the audit and record events of each step.
import { randomUUID } from 'node:crypto';
import { AuditActorType, AuditOutcome, MessagePurpose, ShareStatus } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Harness,
  auditEventsOf,
  latestCode,
  latestLinkToken,
  patientBrowser,
  pdfWith,
  recordEventsOf,
  staff,
  startHarness,
} from './int-test-support';

const DOB = '1984-07-19';

describe('secure release over HTTP', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ maxAttempts: 3 });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** records_release_verifications_total per outcome, as Prometheus scrapes it. */
  async function verificationCounts(): Promise<Record<string, number>> {
    const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const [, labels, value] of text.matchAll(/^records_release_verifications_total\{([^}]*)\} (\S+)$/gm)) {
      const outcome = /outcome="([^"]+)"/.exec(labels ?? '')?.[1];
      if (outcome !== undefined) counts[outcome] = Number(value);
    }
    return counts;
  }

  /** A patient with one shared PDF; returns the ids and the link token the patient received. */
  async function sharedDocument(tenantId: string, content = pdfWith('result')) {
    const { patient } = await h.api.createPatient(
      {
        patient: {
          mrn: `MRN-${randomUUID().slice(0, 8)}`,
          givenName: 'Ada',
          familyName: 'Lovelace',
          dateOfBirth: DOB,
          waId: '4915112345678',
          preferredLanguage: 'en',
        },
      },
      staff(tenantId),
    );
    const { document } = await h.api.uploadDocument(
      {
        patientId: patient!.id,
        title: 'Blood panel',
        fileName: 'panel.pdf',
        declaredContentType: 'text/html',
        content,
        idempotencyKey: randomUUID(),
      },
      staff(tenantId),
    );
    const { share: created } = await h.api.shareDocument(
      { documentId: document!.id, expiresInMinutes: 60, idempotencyKey: randomUUID() },
      staff(tenantId),
    );
    return { patient: patient!, document: document!, share: created!, token: latestLinkToken(h.messaging) };
  }

  it('releases the document after the date of birth and the WhatsApp code, and records every step', async () => {
    const tenant = randomUUID();
    const content = pdfWith('haemoglobin 13.2');
    const { patient, document, share: created, token } = await sharedDocument(tenant, content);
    expect(created.status).toBe(ShareStatus.SHARE_STATUS_SENT);
    // the upload's declared type was ignored: the bytes said PDF
    expect(document.contentType).toBe('application/pdf');

    // the notice: the result_ready template, no clinical content, the token only as the URL suffix
    const notice = h.messaging.sent.at(-1)!;
    expect(notice.request).toMatchObject({
      templateName: 'result_ready',
      purpose: MessagePurpose.MESSAGE_PURPOSE_RESULT_NOTICE,
      recipient: { $case: 'patient', value: { waId: '4915112345678' } },
      parameters: [{ name: '1', text: 'Ada' }],
    });
    expect(JSON.stringify(notice.request)).not.toContain('Blood panel');
    expect(notice.caller).toMatchObject({ tenantId: tenant, actor: 'service:records' });

    const browser = patientBrowser(h.baseUrl);
    const landing = await browser.get(`/r/${token}`);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('cache-control')).toBe('no-store');
    expect(landing.headers.get('referrer-policy')).toBe('no-referrer');
    expect(landing.headers.get('content-security-policy')).toContain("default-src 'none'");
    const landingHtml = await landing.text();
    expect(landingHtml).toContain('name="dob"');
    // nothing about the document before verification
    expect(landingHtml).not.toContain('Blood panel');

    const wrong = await browser.post(`/r/${token}/dob`, { dob: '1984-07-20' });
    expect(await wrong.text()).toContain('does not match');
    expect(h.messaging.sent.filter((s) => s.request.templateName === 'otp')).toHaveLength(0);

    const right = await browser.post(`/r/${token}/dob`, { dob: DOB });
    expect(right.status).toBe(303);
    const otp = h.messaging.sent.at(-1)!;
    expect(otp.request).toMatchObject({
      templateName: 'otp',
      purpose: MessagePurpose.MESSAGE_PURPOSE_VERIFICATION,
    });
    expect(otp.request.buttons[0]?.value).toBe(otp.request.parameters[0]?.text);
    expect(otp.caller).toMatchObject({ tenantId: tenant, actor: 'service:records' });
    expect(await (await browser.get(`/r/${token}`)).text()).toContain('name="code"');

    // no session, no document
    expect((await browser.get(`/r/${token}/document`)).status).toBe(403);

    const passedBefore = (await verificationCounts())['passed'] ?? NaN;
    const verified = await browser.post(`/r/${token}/code`, { code: latestCode(h.messaging) });
    expect(verified.status).toBe(303);
    expect((await verificationCounts())['passed']).toBe(passedBefore + 1);
    expect(verified.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await (await browser.get(`/r/${token}`)).text();
    expect(page).toContain('Blood panel');

    const download = await browser.get(`/r/${token}/document?download=1`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(download.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);

    const { shares } = await h.api.listShares(
      { scope: { $case: 'documentId', value: document.id } },
      staff(tenant),
    );
    expect(shares[0]).toMatchObject({
      id: created.id,
      status: ShareStatus.SHARE_STATUS_DOWNLOADED,
      failedAttempts: 1,
    });

    const records = await recordEventsOf(h.kafka, tenant, (events) =>
      events.some((e) => e.event.event?.$case === 'documentDownloaded'),
    );
    expect(records.map((r) => r.event.event?.$case)).toEqual([
      'patientCreated',
      'documentShared',
      'shareLinkOpened',
      'shareVerificationFailed',
      'shareVerified',
      'documentDownloaded',
    ]);
    for (const r of records) expect(r.key).toBe(`${tenant}:${patient.id}`);
    expect(records[3]?.event.event).toMatchObject({ value: { failedAttempts: 1, locked: false } });

    const audits = await auditEventsOf(h.kafka, tenant, (events) =>
      events.some((e) => e.action === 'record.downloaded'),
    );
    const actions = audits.map((e) => e.action);
    for (const action of [
      'patient.created',
      'document.uploaded',
      'record.shared',
      'share.link_opened',
      'share.identity_verification_failed',
      'share.code_sent',
      'share.identity_verified',
      'record.downloaded',
    ]) {
      expect(actions, action).toContain(action);
    }
    const failed = audits.find((e) => e.action === 'share.identity_verification_failed')!;
    expect(failed).toMatchObject({
      actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_PATIENT, id: patient.id },
      outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
      resource: { type: 'share', id: created.id },
      detail: { step: 'date_of_birth' },
    });
    // ids only in events
    expect(JSON.stringify(audits)).not.toMatch(/Ada|Lovelace|1984-07-19|4915112345678|Blood panel/);
  });

  it('locks the link after the attempt limit, also for the right answer afterwards', async () => {
    const tenant = randomUUID();
    const { token, document } = await sharedDocument(tenant);
    const countsBefore = await verificationCounts();
    const browser = patientBrowser(h.baseUrl);
    await browser.get(`/r/${token}`);
    expect(await (await browser.post(`/r/${token}/dob`, { dob: '2000-01-01' })).text()).toContain(
      '2 attempts left',
    );
    await browser.post(`/r/${token}/dob`, { dob: DOB });
    // a wrong code counts too
    expect(
      await (
        await browser.post(`/r/${token}/code`, {
          code: '000000' === latestCode(h.messaging) ? '111111' : '000000',
        })
      ).text(),
    ).toContain('1 attempt left');
    const locked = await browser.post(`/r/${token}/dob`, { dob: '2000-01-02' });
    expect(locked.status).toBe(410);
    expect(await locked.text()).toContain('This link is locked');
    const after = await browser.post(`/r/${token}/dob`, { dob: DOB });
    expect(after.status).toBe(410);
    expect(await (await browser.get(`/r/${token}`)).text()).toContain('This link is locked');
    // one wrong date of birth, one wrong code, the failure that locked; a post to a locked link
    // is not a check, and nothing passed
    const countsAfter = await verificationCounts();
    const delta = (outcome: string) => (countsAfter[outcome] ?? NaN) - (countsBefore[outcome] ?? NaN);
    expect({
      passed: delta('passed'),
      failed_dob: delta('failed_dob'),
      failed_code: delta('failed_code'),
      locked: delta('locked'),
    }).toEqual({ passed: 0, failed_dob: 1, failed_code: 1, locked: 1 });
    const { shares } = await h.api.listShares(
      { scope: { $case: 'documentId', value: document.id } },
      staff(tenant),
    );
    expect(shares[0]?.status).toBe(ShareStatus.SHARE_STATUS_LOCKED);
  });

  it('shows a clear page for an expired link, and a code expires too', async () => {
    const tenant = randomUUID();
    const { token, document } = await sharedDocument(tenant);
    const browser = patientBrowser(h.baseUrl);
    await browser.post(`/r/${token}/dob`, { dob: DOB });
    const code = latestCode(h.messaging);
    try {
      h.setNow(new Date(Date.now() + 11 * 60_000));
      // the code lived 10 minutes
      expect(await (await browser.post(`/r/${token}/code`, { code })).text()).toContain(
        'not right or has expired',
      );
      h.setNow(new Date(Date.now() + 61 * 60_000));
      const expired = await browser.get(`/r/${token}`);
      expect(expired.status).toBe(410);
      expect(await expired.text()).toContain('This link has expired');
      const { shares } = await h.api.listShares(
        { scope: { $case: 'documentId', value: document.id } },
        staff(tenant),
      );
      expect(shares[0]?.status).toBe(ShareStatus.SHARE_STATUS_EXPIRED);
    } finally {
      h.setNow(undefined);
    }
  });

  it('revocation ends the link at once, even for a verified session', async () => {
    const tenant = randomUUID();
    const { token, share: created, patient } = await sharedDocument(tenant);
    const browser = patientBrowser(h.baseUrl);
    await browser.post(`/r/${token}/dob`, { dob: DOB });
    await browser.post(`/r/${token}/code`, { code: latestCode(h.messaging) });
    expect((await browser.get(`/r/${token}/document`)).status).toBe(200);

    const { share: revoked } = await h.api.revokeShare({ shareId: created.id }, staff(tenant));
    expect(revoked?.status).toBe(ShareStatus.SHARE_STATUS_REVOKED);
    const page = await browser.get(`/r/${token}/document`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('no longer available');
    const records = await recordEventsOf(h.kafka, tenant, (events) =>
      events.some((e) => e.event.event?.$case === 'shareRevoked'),
    );
    expect(records.find((r) => r.event.event?.$case === 'shareRevoked')?.event).toMatchObject({
      patientId: patient.id,
      actor: 'user:nurse-1',
      event: { value: { shareId: created.id } },
    });
  });

  it('answers unknown and malformed links with the not-found page, and refuses cross-origin posts', async () => {
    const browser = patientBrowser(h.baseUrl);
    expect((await browser.get(`/r/${'A'.repeat(43)}`)).status).toBe(404);
    expect((await browser.get('/r/not-a-token')).status).toBe(404);
    const tenant = randomUUID();
    const { token } = await sharedDocument(tenant);
    const forged = await fetch(`${h.baseUrl}/r/${token}/dob`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: `dob=${DOB}`,
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    const crossSite = await fetch(`${h.baseUrl}/r/${token}/dob`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      body: `dob=${DOB}`,
      redirect: 'manual',
    });
    expect(crossSite.status).toBe(403);
  });

  it('another tenant cannot see or revoke the share', async () => {
    const tenant = randomUUID();
    const { share: created } = await sharedDocument(tenant);
    await expect(h.api.revokeShare({ shareId: created.id }, staff(randomUUID()))).rejects.toThrow(/share/i);
    // a front-desk role may not share documents (re-checked here, not only in api)
    await expect(
      h.api.shareDocument(
        { documentId: created.documentId, expiresInMinutes: 0, idempotencyKey: randomUUID() },
        staff(tenant, ['front_desk'], 'user:fd'),
      ),
    ).rejects.toMatchObject({ code: 7 });
  });
});
