// The staff console in a real browser (Debian's chromium through playwright-core) against every
// real process, Meta played by the simulator: the demo nurse signs in with the development issuer;
// a patient's message (sent through the simulator) appears in the inbox live, without a reload;
// the nurse opens it with the keyboard, replies, and sees the ticks turn delivered, then read once
// the simulated phone reads it; a conversation whose last patient message is 25 hours old shows the
// closed window and the template picker, and the template sent from it reaches the phone.
// Screenshots of each main screen go to test-output/screenshots/ (git-ignored) for review.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launchChromium } from '@careline/testing/browser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useStack } from './support/stack';
import { inboundTextWebhook, postWebhook, randomWaId, sign } from './support/webhooks';

const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url));

const stack = useStack('console');

// a real 1×1 PNG (the browser must decode it) and a minimal PDF
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PDF = '%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n';

const SimInboxEntry = z.looseObject({ id: z.string(), type: z.string(), content: z.unknown() });

// CI installs chromium; a developer machine without it skips these rather than failing
describe.skipIf(!browserAvailable())('the staff console in chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    // a laptop screen: everything must be usable at 1366×768
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(20_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  // what the nurse saw when a step did not happen
  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      await page
        ?.screenshot({
          path: `${SCREENSHOTS}console-failed-${task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`,
        })
        .catch(() => undefined);
    });
  });

  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}console-${name}.png` });
  const row = (text: string) => page.locator('[data-testid="inbox"] button.row', { hasText: text });

  it('signs the demo nurse in and shows the tenant and role', async () => {
    const s = stack();
    await page.goto(s.urls.console!);
    await expect.poll(() => page.getByLabel('Hospital (tenant ID)').inputValue()).toBe(s.seed.tenant.id);
    await page.getByLabel('Staff ID (subject)').fill(s.seed.staff.subject);
    await page.getByLabel('Name or email').fill(s.seed.staff.name);
    await shot('1-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // the hospital by name (GET /v1/tenant), its id kept for support
    await expect.poll(() => page.getByTestId('tenant').textContent()).toBe(s.seed.tenant.name);
    expect(await page.getByTestId('tenant').getAttribute('data-tenant-id')).toBe(s.seed.tenant.id);
    expect(await page.getByTestId('roles').textContent()).toBe('nurse');
    await expect.poll(() => page.getByTestId('stream-status').textContent()).toBe('Live');
  });

  it("shows a patient's message live, and the nurse's reply goes delivered, then read on the phone", async () => {
    const s = stack();
    // the simulated phone reads only when told to, so delivered can be seen before read
    await s.simulator.updateSettings({ status_delays_ms: { read: null } });
    // a marker that a reload would wipe: the message must arrive over the WebSocket
    await page.evaluate(() => {
      (globalThis as unknown as { noReload: boolean }).noReload = true;
    });

    const waId = randomWaId();
    const name = `Pat ${randomUUID().slice(0, 6)}`;
    await s.patientSays(waId, 'Hello, can I move my appointment?', { profileName: name });
    await row(name).waitFor();
    expect(await row(name).textContent()).toContain('Hello, can I move my appointment?');
    expect(await page.evaluate(() => (globalThis as unknown as { noReload?: boolean }).noReload)).toBe(true);
    // the screen reader hears about it
    await expect.poll(() => page.getByTestId('announcer').textContent()).toContain(name);
    await shot('2-inbox-live');

    // keyboard: focus the first row, move with j/k, open with Enter
    await page.locator('[data-testid="inbox"] button.row').first().focus();
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await page.locator(':focus').textContent()).toContain(name);
    await page.keyboard.press('Enter');

    const thread = page.getByTestId('thread');
    await thread.getByText('Hello, can I move my appointment?').waitFor();
    expect(await page.getByTestId('window').textContent()).toMatch(/^Reply window closes in 2\d h \d+ min$/);
    // opening marks it read: the unread badge goes
    await expect.poll(() => row(name).locator('.badge').count()).toBe(0);

    const reply = `Of course, which day suits you? (${randomUUID().slice(0, 6)})`;
    await page.getByLabel('Reply', { exact: true }).fill(reply);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const sent = thread.locator('li.message', { hasText: reply });
    await sent.waitFor();
    await expect.poll(() => sent.getAttribute('data-ticks'), { timeout: 30_000 }).toBe('delivered');
    expect(await sent.getByTestId('ticks').textContent()).toContain('Delivered');
    await shot('3-conversation-delivered');

    const onPhone = await waitFor(
      async () =>
        (await s.simulator.inbox(waId)).find((entry) => JSON.stringify(entry.content).includes(reply)),
      { message: 'the reply on the phone', timeoutMs: 20_000 },
    );
    expect(onPhone.type).toBe('text');
    await s.simulator.patientReads(waId);
    await expect.poll(() => sent.getAttribute('data-ticks'), { timeout: 30_000 }).toBe('read');
    expect(await sent.getByTestId('ticks').textContent()).toContain('Read');
    await shot('4-conversation-read');

    // the care team's side of it: assign to me, a note, close and reopen
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await expect.poll(() => page.getByTestId('assignee').textContent()).toBe('Assigned to Me');
    await page.getByLabel('Add note').fill('Patient prefers mornings');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.notes li', { hasText: 'Patient prefers mornings' }).waitFor();
    await page.getByRole('button', { name: 'Close conversation' }).click();
    await expect.poll(() => row(name).locator('.state').textContent()).toBe('Closed');
    await page.getByRole('button', { name: 'Reopen' }).click();
    await expect.poll(() => row(name).locator('.state').textContent()).toBe('Open');
  });

  it("renders a patient's photo (fetched with the token through the media endpoint), a document to download and a location", async () => {
    const s = stack();
    const waId = randomWaId();
    const name = `Media ${randomUUID().slice(0, 6)}`;
    const patientSends = async (body: Record<string, unknown>) => {
      const response = await requestJson('POST', `${s.urls.simulatorControl}/patients/${waId}/messages`, {
        body: { phone_number_id: s.seed.whatsapp.phoneNumberId, ...body },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    };
    await s.patientSays(waId, 'Here is my rash and the referral', { profileName: name });
    await patientSends({
      type: 'image',
      media: { data_base64: PNG_1X1, mime_type: 'image/png' },
      caption: 'my rash',
    });
    await patientSends({
      type: 'document',
      media: {
        data_base64: Buffer.from(PDF).toString('base64'),
        mime_type: 'application/pdf',
        filename: 'referral.pdf',
      },
    });
    await patientSends({
      type: 'location',
      location: { latitude: 52.37, longitude: 4.89, name: 'Clinic', address: 'Main St 1' },
    });

    await row(name).waitFor();
    const thread = page.getByTestId('thread');
    const image = thread.locator('li.message img');
    // media is fetched from WhatsApp in the background: reopen until it is stored
    await waitFor(
      async () => {
        await row(name).click();
        await thread.getByText('Here is my rash and the referral').waitFor();
        return (await image.count()) > 0 ? true : undefined;
      },
      { message: 'the photo shown inline', timeoutMs: 30_000, intervalMs: 1_000 },
    );
    expect(await image.getAttribute('src')).toMatch(/^blob:/);
    expect(await image.getAttribute('alt')).toBe('my rash');
    await expect
      .poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(1);

    const location = thread.locator('li.message', { hasText: 'Clinic — Main St 1' });
    expect(await location.getByRole('link', { name: 'Open map' }).getAttribute('href')).toContain(
      'mlat=52.37',
    );

    const pdf = thread.locator('li.message', { hasText: 'referral.pdf' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      pdf.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('referral.pdf');
    await shot('5-media');
  });

  it('offers templates once the 24-hour window has closed, and the template reaches the phone', async () => {
    const s = stack();
    // the template registry, synced from the simulator's WABA by an administrator
    const admin = await s.mintToken({ roles: ['admin'] });
    const synced = await requestJson('POST', `${s.urls.api}/v1/templates/sync`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(synced.status, JSON.stringify(synced.body)).toBe(200);

    // the patient wrote 25 hours ago (Meta delivers late webhooks): the window is closed
    const waId = randomWaId();
    const name = `Old ${randomUUID().slice(0, 6)}`;
    const old = inboundTextWebhook(s.seed, {
      waId,
      text: 'Are my results ready?',
      profileName: name,
      timestamp: Math.floor(Date.now() / 1000) - 25 * 3600,
    });
    expect(await postWebhook(s.urls.webhook, old.body, sign(old.body, s.seed.whatsapp.appSecret))).toBe(200);

    await row(name).waitFor();
    await row(name).click();
    await page.getByTestId('thread').getByText('Are my results ready?').waitFor();
    expect(await page.getByTestId('window').textContent()).toBe(
      'The 24-hour reply window is closed: only an approved template can be sent.',
    );
    expect(await page.getByLabel('Reply', { exact: true }).count()).toBe(0);

    await page.getByLabel('Template', { exact: true }).selectOption('appointment_reminder');
    await page.getByLabel('Language').selectOption('en_US');
    const preview = page.getByTestId('template-preview');
    expect(await preview.textContent()).toContain('{{1}}');
    // an invalid value is named beside its field before anything is sent
    await page.getByLabel('Value for {{1}}').fill('too     many spaces');
    await page.getByText('At most 4 spaces in a row (WhatsApp rule).').waitFor();
    await page.getByLabel('Value for {{1}}').fill('Ana');
    expect(await page.getByText('At most 4 spaces in a row (WhatsApp rule).').count()).toBe(0);
    await page.getByLabel('Value for {{2}}').fill('Dr. Ruiz');
    await page.getByLabel('Value for {{3}}').fill('12 May 10:30');
    for (const input of await page.locator('.template-picker input[name^="button:"]').all())
      await input.fill('APPT-42:confirm');
    await expect.poll(() => preview.textContent()).toContain('Ana');
    expect(await preview.textContent()).toContain('Dr. Ruiz');
    expect(await preview.textContent()).not.toContain('{{');
    await shot('6-template-picker');
    await page.getByRole('button', { name: 'Send template' }).click();

    const received = await waitFor(
      async () => {
        const response = await requestJson(
          'GET',
          `${s.urls.simulator}/_sim/patients/${encodeURIComponent(waId)}/inbox`,
        );
        if (response.status === 404) return undefined;
        return z
          .object({ data: z.array(SimInboxEntry) })
          .parse(response.body)
          .data.find((entry) => entry.type === 'template');
      },
      { message: 'the template on the phone', timeoutMs: 20_000 },
    );
    expect(JSON.stringify(received)).toContain('Ana');
    const templateMessage = page
      .getByTestId('thread')
      .locator('li.message', { hasText: 'appointment_reminder' });
    await templateMessage.waitFor();
    await expect
      .poll(() => templateMessage.getAttribute('data-ticks'), { timeout: 30_000 })
      .toMatch(/^(sent|delivered|read)$/);
    await shot('7-template-sent');
  });
  it('links an unknown number to the patient record the nurse finds, and the panel turns to the patient', async () => {
    const s = stack();
    const waId = randomWaId();
    const name = `Unknown ${randomUUID().slice(0, 6)}`;
    await s.patientSays(waId, 'Hi, it is me, from my new phone', { profileName: name });
    // a registered patient whose record does not know this number (so nothing links on its own)
    const familyName = `Lovelace${randomUUID().slice(0, 4)}`;
    const desk = await s.mintToken({ roles: ['front_desk'] });
    const created = await requestJson('POST', `${s.urls.api}/v1/patients`, {
      headers: { authorization: `Bearer ${desk}` },
      body: { mrn: `MRN-${randomUUID().slice(0, 8)}`, givenName: 'Ada', familyName, dateOfBirth: '1985-12-10' },
    });
    expect(created.status, created.text).toBe(201);

    await row(name).click();
    const panel = page.getByTestId('patient-panel');
    await expect.poll(() => panel.getByTestId('contact-state').getAttribute('data-state')).toBe('unverified');
    await panel.getByLabel('Search by').selectOption('name');
    await panel.getByLabel('Search for').fill(familyName);
    await panel.getByRole('button', { name: 'Search', exact: true }).click();
    await panel.getByRole('button', { name: 'Link to this conversation' }).click();
    await panel.getByTestId('link-done').waitFor();
    // records remembers the link, messaging relinks the conversation, the stream tells the console
    await expect.poll(() => panel.getByTestId('contact-state').getAttribute('data-state'), { timeout: 30_000 }).toBe('linked');
    expect(await panel.textContent()).toContain(familyName);
    await shot('8-contact-linked');
  });
});
