// The release page in a real browser (Debian's chromium through playwright-core, launched as
// apps/wa-simulator's browser test does): a wrong date of birth, lockout after the limit, success
// with the right date of birth and the code the patient received on WhatsApp (captured by the fake
// MessagingService), the download; and the clear pages of an expired and a revoked link. The CSP
// is enforced by the browser: any blocked resource or script error fails the test.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserAvailable, launchChromium } from '@careline/testing/browser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, latestCode, latestLinkToken, pdfWith, staff, startHarness } from './int-test-support';

const DOB = '1990-04-12';

// CI installs chromium; a developer machine without it skips these rather than failing
describe.skipIf(!browserAvailable())('release page in chromium', () => {
  let browser: Browser;
  let h: Harness;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    h = await startHarness({ maxAttempts: 3 });
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(8000);
    problems = [];
    page.on('console', (message) => {
      // a 410 page is an error status by design; CSP refusals and script errors are not
      if (
        message.type() === 'error' &&
        !message.text().startsWith('Failed to load resource: the server responded with a status of 410')
      ) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
  });
  afterEach(async () => {
    await context.close();
    expect(problems).toEqual([]);
  });

  async function shared(content = pdfWith('cholesterol 4.1')) {
    const tenant = randomUUID();
    const { patient } = await h.api.createPatient(
      {
        patient: {
          mrn: randomUUID(),
          givenName: 'Grace',
          familyName: 'Hopper',
          dateOfBirth: DOB,
          waId: '4915199988877',
          preferredLanguage: 'en',
        },
      },
      staff(tenant),
    );
    const { document } = await h.api.uploadDocument(
      {
        patientId: patient!.id,
        title: 'Lipid panel',
        fileName: 'lipids.pdf',
        declaredContentType: '',
        content,
        idempotencyKey: randomUUID(),
      },
      staff(tenant),
    );
    const { share } = await h.api.shareDocument(
      { documentId: document!.id, expiresInMinutes: 30, idempotencyKey: randomUUID() },
      staff(tenant),
    );
    return { tenant, share: share!, url: `${h.baseUrl}/r/${latestLinkToken(h.messaging)}` };
  }

  async function enterDob(dob: string): Promise<void> {
    await page.fill('input[name=dob]', dob);
    await page.click('button[type=submit]');
  }

  it('wrong date of birth, then the right one and the WhatsApp code, then the download', async () => {
    const content = pdfWith('cholesterol 4.1');
    const { url } = await shared(content);
    await page.goto(url);
    await expect(page.locator('h1').textContent()).resolves.toContain('A document is ready');
    // the stylesheet loaded under the strict CSP
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(244, 246, 248)');

    await enterDob('1990-04-13');
    await expect(page.locator('.error').textContent()).resolves.toContain('does not match');
    await expect(page.locator('[data-attempts-left]').getAttribute('data-attempts-left')).resolves.toBe('2');

    await enterDob(DOB);
    await page.waitForSelector('input[name=code]');
    await page.fill('input[name=code]', latestCode(h.messaging));
    await page.click('button[type=submit]');
    await expect(page.locator('#document-title').textContent()).resolves.toContain('Lipid panel');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('document.pdf');
    expect(readFileSync(await download.path()).equals(content)).toBe(true);
  });

  it('locks the link after the limit, and the right date of birth no longer helps', async () => {
    const { url } = await shared();
    await page.goto(url);
    await enterDob('2001-01-01');
    await enterDob('2001-01-02');
    await enterDob('2001-01-03');
    await expect(page.locator('h1').textContent()).resolves.toContain('This link is locked');
    await page.goto(url);
    await expect(page.locator('h1').getAttribute('data-reason')).resolves.toBe('locked');
    expect(h.messaging.sent.at(-1)?.request.templateName).toBe('result_ready');
  });

  it('shows a clear page for an expired link and for a revoked one', async () => {
    const expiring = await shared();
    try {
      h.setNow(new Date(Date.now() + 31 * 60_000));
      await page.goto(expiring.url);
      await expect(page.locator('h1').textContent()).resolves.toContain('This link has expired');
    } finally {
      h.setNow(undefined);
    }

    const revoking = await shared();
    await page.goto(revoking.url);
    await expect(page.locator('input[name=dob]').isVisible()).resolves.toBe(true);
    await h.api.revokeShare({ shareId: revoking.share.id }, staff(revoking.tenant));
    await page.reload();
    await expect(page.locator('h1').textContent()).resolves.toContain('no longer available');
  });
});
