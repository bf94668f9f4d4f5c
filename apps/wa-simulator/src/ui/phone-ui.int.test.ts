// The phone UI in a real browser (Debian's chromium through playwright-core): the hospital sends a
// template with quick-reply buttons, the patient taps one on their phone, and the hospital's
// webhook receiver gets the button reply with the right payload and context, signed and parseable
// by Careline's own verifier and parser. A screenshot of the phone is saved to test-output/.
import { mkdirSync } from 'node:fs';
import { parseWebhookBytes, verifySignature, type WebhookEvent } from '@careline/whatsapp';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launchChromium } from '@careline/testing/browser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  PATIENT,
  acceptedId,
  patientWrites,
  sendMessage,
  startReceiver,
  startSimulator,
  waitFor,
  type Receiver,
  type RunningSimulator,
} from '../test/harness';

const OUTPUT = new URL('../../test-output/', import.meta.url);


function events(receiver: Receiver): WebhookEvent[] {
  return receiver.posts().flatMap((post) => {
    const header = post.headers['x-hub-signature-256'];
    if (!verifySignature(post.raw, typeof header === 'string' ? header : undefined, BUSINESS.app_secret))
      throw new Error('a webhook did not verify');
    return parseWebhookBytes(post.raw).events;
  });
}

function patientMessage(receiver: Receiver, type: string) {
  return waitFor(() => {
    for (const e of events(receiver)) if (e.kind === 'message' && e.message.type === type) return e.message;
    return undefined;
  }, 10_000);
}

// CI installs chromium; a developer machine without it skips these rather than failing
describe.skipIf(!browserAvailable())('phone UI in chromium', () => {
  let browser: Browser;
  let env: RunningSimulator;
  let receiver: Receiver;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    receiver = await startReceiver();
    env = await startSimulator({
      businesses: [{ ...BUSINESS, webhook_url: receiver.url }],
      // statuses stop at delivered, so the screenshot shows grey ticks turning blue only on reading
      settings: { status_delays_ms: { sent: 20, delivered: 60, read: null } },
    });
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    // fail on the step that does not happen, well before the test's own timeout
    page.setDefaultTimeout(8000);
  });
  afterEach(async () => {
    await page.close();
    await env.close();
    await receiver.close();
  });

  async function openPatientChat(): Promise<void> {
    await page.goto(env.baseUrl);
    await page.getByRole('button', { name: new RegExp(PATIENT.profile_name) }).click();
    await expect.poll(() => page.getByRole('heading', { name: PATIENT.profile_name }).isVisible()).toBe(true);
  }

  it('taps a template quick reply and the hospital receives the button reply with payload and context', async () => {
    const reminder = acceptedId(
      await sendMessage(env.baseUrl, {
        type: 'template',
        template: {
          name: 'appointment_reminder',
          language: { code: 'en_US' },
          components: [
            {
              type: 'body',
              parameters: ['Sheena', 'Dr Okafor', 'Tue 12 May, 10:30'].map((text) => ({
                type: 'text',
                text,
              })),
            },
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '0',
              parameters: [{ type: 'payload', payload: 'CONFIRM:apt-7' }],
            },
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '1',
              parameters: [{ type: 'payload', payload: 'RESCHEDULE:apt-7' }],
            },
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '2',
              parameters: [{ type: 'payload', payload: 'CANCEL:apt-7' }],
            },
          ],
        },
      }),
    );
    await openPatientChat();
    await page.getByText('Hello Sheena, this is a reminder of your appointment with Dr Okafor').waitFor();
    // the business's view of its message: delivered (✓✓, not read)
    await page.getByLabel('Status: delivered').waitFor();

    await page.getByRole('button', { name: 'Confirm' }).click();
    const reply = await patientMessage(receiver, 'button');
    expect(reply).toMatchObject({
      type: 'button',
      button: { payload: 'CONFIRM:apt-7', text: 'Confirm' },
      context: { from: BUSINESS.display_phone_number, messageId: reminder },
      from: PATIENT.wa_id,
    });
    // the reply shows on the phone, quoting the reminder
    await page.locator('li.bubble.out').getByText('Confirm').waitFor();

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: new URL('phone-ui.png', OUTPUT).pathname, fullPage: true });
  }, 30_000);

  it('taps a list row and writes a text from the composer', async () => {
    await patientWrites(env.baseUrl, 'Can I move my appointment?');
    const list = acceptedId(
      await sendMessage(env.baseUrl, {
        type: 'interactive',
        interactive: {
          type: 'list',
          header: { type: 'text', text: 'Free slots' },
          body: { text: 'Which time suits you?' },
          action: {
            button: 'See slots',
            sections: [
              {
                title: 'Monday',
                rows: [{ id: 'slot-mon-9', title: '09:00', description: 'Dr Okafor · room 3' }],
              },
              { title: 'Tuesday', rows: [{ id: 'slot-tue-14', title: '14:00' }] },
            ],
          },
        },
      }),
    );
    await openPatientChat();
    await page.getByRole('button', { name: '☰ See slots' }).click();
    await page.getByRole('button', { name: /14:00/ }).click();
    const pick = await patientMessage(receiver, 'interactive');
    expect(pick).toMatchObject({
      interactive: { type: 'list_reply', id: 'slot-tue-14', title: '14:00' },
      context: { messageId: list },
    });

    await page.getByLabel('Message', { exact: true }).fill('Obrigada! Até terça 👋');
    await page.getByRole('button', { name: 'Send' }).click();
    const text = await waitFor(() => {
      for (const e of events(receiver))
        if (e.kind === 'message' && e.message.type === 'text' && e.message.text.body.startsWith('Obrigada'))
          return e.message;
      return undefined;
    });
    expect(text).toMatchObject({ text: { body: 'Obrigada! Até terça 👋' } });
  }, 30_000);

  it('adds a patient from the form and opens their phone', async () => {
    await page.goto(env.baseUrl);
    await page.getByLabel('WhatsApp number (digits, no +)').fill('5511987654321');
    await page.getByLabel('Profile name').fill('João');
    await page.getByRole('button', { name: 'Add patient' }).click();
    await page.getByRole('heading', { name: 'João' }).waitFor();
    await page.getByLabel('Message', { exact: true }).fill('Olá');
    await page.getByRole('button', { name: 'Send' }).click();
    const hello = await patientMessage(receiver, 'text');
    expect(hello).toMatchObject({ from: '5511987654321', text: { body: 'Olá' } });
  }, 30_000);
});
