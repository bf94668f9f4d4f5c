// The console's care screens in a real browser (Debian's chromium through playwright-core) against
// every real process, Meta played by the simulator (its own stack, apart from console.e2e):
// - the appointments calendar: a visit booked through the api shows in the day view; the patient
//   taps Reschedule on the WhatsApp reminder, picks a new time from the list on their phone, and
//   the calendar shows the new time — after its 15-second refresh, with no reload of the page;
// - the patient panel beside a conversation: an unverified contact, then a linked patient
//   (identity, date of birth only on demand, upcoming visits); a nurse books from the panel;
// - results: the nurse uploads a PDF in the panel and shares it; the patient opens the link on their
//   phone's browser, proves who they are (date of birth, the WhatsApp code) and downloads it; the
//   panel shows the release go sent → opened → verified → downloaded, then revoked;
// - the no-show dashboard after an attendance is marked in the calendar.
// Screenshots go to test-output/screenshots/console-care-*.png (git-ignored).
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type JsonResponse, type Stack, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launchChromium } from '@careline/testing/browser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url));

const stack = useStack('console-care');

const Appointment = z.looseObject({
  id: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  status: z.string(),
});
const Conversation = z.looseObject({
  id: z.string(),
  patientId: z.string().nullable(),
  contactState: z.string(),
  patient: z.looseObject({ phoneNumber: z.string().nullable() }),
});
const SimEntry = z.looseObject({ id: z.string(), type: z.string() });

/** The site is in UTC, and so is the console's calendar here: times read straight off the ISO. */
const hhmm = (iso: string) => iso.slice(11, 16);
const day = (iso: string) => iso.slice(0, 10);

async function phone(s: Stack, waId: string): Promise<z.infer<typeof SimEntry>[]> {
  const response = await requestJson(
    'GET',
    `${s.urls.simulator}/_sim/patients/${encodeURIComponent(waId)}/inbox`,
  );
  if (response.status === 404) return [];
  return z.object({ data: z.array(SimEntry) }).parse(response.body).data;
}

// CI installs chromium; a developer machine without it skips these rather than failing
describe.skipIf(!browserAvailable())('the console’s patient panel, calendar and results in chromium', () => {
  let browser: Browser;
  let page: Page;
  const ids = {
    site: randomUUID(),
    clinic: randomUUID(),
    clinician: randomUUID(),
    // a second diary, for the visit marked no-show (the first one's times move during the tests)
    other: randomUUID(),
    type: randomUUID(),
  };
  let desk = '';
  let nurse = '';

  const api = async (token: string, method: string, path: string, body?: unknown): Promise<JsonResponse> =>
    requestJson(method, `${stack().urls.api}/v1${path}`, {
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body }),
    });
  const ok = async (response: Promise<JsonResponse>, status: number, what: string): Promise<unknown> => {
    const r = await response;
    expect(r.status, `${what}: ${r.text}`).toBe(status);
    return r.body;
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const s = stack();
    // the hospital's set-up through the api: templates synced from the simulator's WABA, a reminder
    // a minute before each visit (no quiet hours, no lead time), one clinic open around the clock
    const admin = await s.mintToken({ roles: ['admin'] });
    desk = await s.mintToken({ subject: 'desk-1', roles: ['front_desk'] });
    nurse = await s.mintToken();
    await ok(api(admin, 'POST', '/templates/sync'), 200, 'template sync');
    await ok(
      api(admin, 'PUT', '/admin/reminder-policy', {
        stages: [
          {
            name: '1m',
            minutesBefore: 1,
            templates: { en_US: 'appointment_reminder', en: 'appointment_reminder' },
          },
        ],
        quietStart: '',
        quietEnd: '',
        minLeadMinutes: 0,
        noShowAfterMinutes: 60,
        videoLinkTemplate: '',
        defaultLanguage: 'en_US',
      }),
      200,
      'reminder policy',
    );
    await ok(api(desk, 'PUT', `/sites/${ids.site}`, { name: 'Central', timeZone: 'UTC' }), 200, 'site');
    await ok(
      api(desk, 'PUT', `/clinics/${ids.clinic}`, { siteId: ids.site, name: 'Cardiology' }),
      200,
      'clinic',
    );
    await ok(
      api(desk, 'PUT', `/clinicians/${ids.clinician}`, { clinicId: ids.clinic, displayName: 'Dr Ruiz' }),
      200,
      'clinician',
    );
    await ok(
      api(desk, 'PUT', `/clinicians/${ids.other}`, { clinicId: ids.clinic, displayName: 'Dr Alba' }),
      200,
      'clinician',
    );
    const week = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '23:59' }));
    for (const clinician of [ids.clinician, ids.other])
      await ok(
        api(desk, 'PUT', `/clinicians/${clinician}/working-hours`, { hours: week, exceptions: [] }),
        200,
        'hours',
      );
    await ok(
      api(desk, 'PUT', `/appointment-types/${ids.type}`, {
        name: 'Follow-up',
        mode: 'in_person',
        durationMinutes: 20,
      }),
      200,
      'type',
    );

    browser = await launchChromium();
    // a laptop screen, the site's zone
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    // the cancel button asks first
    page.on('dialog', (dialog) => void dialog.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      await page
        ?.screenshot({
          path: `${SCREENSHOTS}console-care-failed-${task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`,
        })
        .catch(() => undefined);
    });
  });

  const shot = (name: string, on: Page = page) =>
    on.screenshot({ path: `${SCREENSHOTS}console-care-${name}.png` });
  const section = (name: string) =>
    page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name });
  const card = (id: string) => page.locator(`li.appt[data-appointment-id="${id}"]`);
  const row = (text: string) => page.locator('[data-testid="inbox"] button.row', { hasText: text });

  it('signs the demo nurse in and lists the calendar’s clinic, clinicians and types by name', async () => {
    const s = stack();
    await page.goto(s.urls.console!);
    await expect.poll(() => page.getByLabel('Hospital (tenant ID)').inputValue()).toBe(s.seed.tenant.id);
    await page.getByLabel('Staff ID (subject)').fill(s.seed.staff.subject);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('stream-status').textContent()).toBe('Live');

    // a nurse sees the inbox and the appointments, not the administration
    const nav = page.getByRole('navigation', { name: 'Sections' });
    expect(await nav.getByRole('button').allTextContents()).toEqual([
      'Inbox',
      'Appointments',
      'No-show dashboard',
    ]);
    await section('Appointments').click();
    // the calendar set-up comes from the api (GET /v1/clinics, /clinicians, …): names, never ids
    await expect
      .poll(() => page.locator('select[name="calendar-clinic"] option').allTextContents())
      .toEqual(['All clinics', 'Cardiology']);
    expect(await page.locator('select[name="calendar-clinician"] option').allTextContents()).toEqual([
      'All clinicians',
      'Dr Alba',
      'Dr Ruiz',
    ]);
    expect(await page.locator('select[name="booking-type"] option').allTextContents()).toEqual([
      'Choose a type…',
      'Follow-up',
    ]);
    // the calendar's zone is the site's
    expect(await page.getByTestId('calendar-zone').textContent()).toBe('Times in UTC (the site’s time zone)');
  });

  it('moves the appointment in the calendar when the patient taps Reschedule on the reminder', async () => {
    const s = stack();
    const waId = randomWaId();
    expect(
      (
        await requestJson('POST', `${s.urls.simulator}/_sim/patients`, {
          body: { wa_id: waId, profile_name: 'Ana' },
        })
      ).status,
    ).toBe(201);
    // starts 75 s from now: the reminder (a minute before) is due in about 15 s
    const startsAt = new Date(Math.ceil((Date.now() + 75_000) / 1000) * 1000).toISOString();
    const booked = Appointment.parse(
      await ok(
        api(desk, 'POST', '/appointments', {
          clinicianId: ids.clinician,
          appointmentTypeId: ids.type,
          startsAt,
          patient: { waId, displayName: 'Ana Reminder', languageCode: 'en_US' },
          idempotencyKey: randomUUID(),
        }),
        201,
        'book',
      ),
    );

    await section('Appointments').click();
    await page.getByRole('button', { name: 'Day', exact: true }).click();
    await page.getByLabel('Date', { exact: true }).fill(day(booked.startsAt));
    await page.locator('select[name="calendar-clinic"]').selectOption({ label: 'Cardiology' });
    await card(booked.id).waitFor();
    expect(await card(booked.id).getByTestId('appt-time').textContent()).toBe(
      `${hhmm(booked.startsAt)}–${hhmm(booked.endsAt)}`,
    );
    expect(await card(booked.id).textContent()).toContain('Ana Reminder');
    // the column is the clinician, by its name from the api
    expect(await page.getByRole('region', { name: 'Appointments: Dr Ruiz' }).count()).toBe(1);
    await shot('1-calendar-day');
    // a marker a reload would wipe: the calendar must move by itself
    await page.evaluate(() => {
      (globalThis as unknown as { noReload: boolean }).noReload = true;
    });

    // the reminder on the phone; the patient taps Reschedule (quick reply 1)
    const reminder = await waitFor(
      async () =>
        (await phone(s, waId)).find(
          (e) => e.type === 'template' && JSON.stringify(e).includes(`appt:${booked.id}:reschedule:`),
        ),
      { message: 'the reminder on the phone', timeoutMs: 90_000, intervalMs: 500 },
    );
    const send = async (body: Record<string, unknown>) => {
      const response = await requestJson('POST', `${s.urls.simulator}/_sim/patients/${waId}/messages`, {
        body: { phone_number_id: s.seed.whatsapp.phoneNumberId, ...body },
      });
      expect(response.status, response.text).toBeLessThan(300);
    };
    await send({ type: 'button', button: { index: 1 }, context: { message_id: reminder.id } });

    // the free times come as a list; the patient picks the first
    const offer = await waitFor(
      async () =>
        (await phone(s, waId)).find(
          (e) => e.type === 'interactive' && /slot:[0-9a-f-]{36}:\d/.test(JSON.stringify(e)),
        ),
      { message: 'the free times on the phone', timeoutMs: 30_000, intervalMs: 300 },
    );
    const firstSlot = /slot:[0-9a-f-]{36}:\d/.exec(JSON.stringify(offer))![0];
    await send({
      type: 'interactive',
      interactive: { type: 'list_reply', id: firstSlot },
      context: { message_id: offer.id },
    });

    const moved = await waitFor(
      async () => {
        const current = Appointment.parse(
          await ok(api(desk, 'GET', `/appointments/${booked.id}`), 200, 'read'),
        );
        return current.startsAt !== booked.startsAt ? current : undefined;
      },
      { message: 'the appointment moved by scheduling', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(moved.status).toBe('confirmed');

    // the calendar catches up at its next refresh (every 15 s), without a reload
    if (day(moved.startsAt) !== day(booked.startsAt))
      await page.getByLabel('Date', { exact: true }).fill(day(moved.startsAt));
    await expect
      .poll(() => card(booked.id).getByTestId('appt-time').textContent(), { timeout: 25_000, interval: 500 })
      .toBe(`${hhmm(moved.startsAt)}–${hhmm(moved.endsAt)}`);
    expect(await card(booked.id).getAttribute('data-status')).toBe('confirmed');
    expect(await page.evaluate(() => (globalThis as unknown as { noReload?: boolean }).noReload)).toBe(true);
    await shot('2-calendar-rescheduled');

    // the week view has it on its day
    await page.getByRole('button', { name: 'Week', exact: true }).click();
    await page
      .getByRole('region', { name: /^Appointments: / })
      .first()
      .waitFor();
    expect(await page.getByRole('region', { name: /^Appointments: / }).count()).toBe(7);
    await card(booked.id).waitFor();
    await shot('3-calendar-week');
    await page.getByRole('button', { name: 'Day', exact: true }).click();
  });

  it('shows an unverified contact, then the linked patient, and books from the panel', async () => {
    const s = stack();
    // a number nobody registered: unverified
    const stranger = randomWaId();
    const strangerName = `Unknown ${randomUUID().slice(0, 6)}`;
    await s.patientSays(stranger, 'Hi, is this the hospital?', { profileName: strangerName });
    await section('Inbox').click();
    await row(strangerName).click();
    const panel = page.getByTestId('patient-panel');
    await expect.poll(() => panel.getByTestId('contact-state').getAttribute('data-state')).toBe('unverified');
    expect(await panel.getByText('Unverified contact').count()).toBe(1);
    await panel.getByRole('button', { name: 'Search' }).click();
    await panel.getByText('No patient matches exactly.').waitFor();
    await shot('4-patient-unverified');

    // a registered patient writes: linked, identity shown, the date of birth only on demand
    const waId = randomWaId();
    const mrn = `MRN-${randomUUID().slice(0, 8)}`;
    await ok(
      api(nurse, 'POST', '/patients', {
        mrn,
        givenName: 'Marie',
        familyName: 'Curie',
        dateOfBirth: '1967-11-07',
        waId,
        preferredLanguage: 'en',
      }),
      201,
      'patient',
    );
    // records tells messaging about the patient (record.events); the conversation is linked at
    // creation, or relinked once that arrives
    await s.patientSays(waId, 'Hello, it is Marie', { profileName: 'Marie' });
    await waitFor(
      async () => {
        const list = z
          .object({ items: z.array(Conversation) })
          .parse(await ok(api(nurse, 'GET', '/conversations?limit=200'), 200, 'conversations')).items;
        return list.find(
          (c) => c.patient.phoneNumber?.endsWith(waId.slice(-7)) && c.contactState === 'linked',
        );
      },
      { message: 'the conversation linked to the patient', timeoutMs: 30_000, intervalMs: 2_000 },
    );
    await row('Marie').first().click();
    await expect.poll(() => panel.getByTestId('contact-state').getAttribute('data-state')).toBe('linked');
    await expect.poll(() => panel.getByTestId('patient-name').textContent()).toBe('Marie Curie');
    expect(await panel.getByTestId('patient-mrn').textContent()).toBe(mrn);
    expect(await panel.getByTestId('patient-dob').count()).toBe(0);
    expect(await panel.textContent()).not.toContain('1967-11-07');
    await panel.getByRole('button', { name: 'Show date of birth' }).click();
    expect(await panel.getByTestId('patient-dob').textContent()).toBe('1967-11-07');
    await panel.getByText('None in the next 31 days.').waitFor();
    await shot('5-patient-linked');

    // book from the panel: the number comes from the conversation
    await panel.getByRole('button', { name: 'Book an appointment' }).click();
    await page.locator('select[name="booking-type"]').selectOption({ label: 'Follow-up' });
    await page.locator('select[name="booking-clinic"]').selectOption({ label: 'Cardiology' });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('From', { exact: true }).fill(tomorrow);
    await page.getByRole('button', { name: 'Find free times' }).click();
    const slots = page.getByTestId('booking-slots');
    await slots.getByRole('radio').first().waitFor();
    expect(await page.getByLabel('Patient’s WhatsApp number (digits, with country code)').inputValue()).toBe(
      waId,
    );
    await slots
      .getByRole('radio', { name: /· Dr Ruiz$/ })
      .nth(1)
      .check();
    await shot('6-booking');
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('booking-result').textContent())
      .toMatch(/^Booked for \d{4}-\d\d-\d\d at \d\d:\d\d\.$/);
    const bookedCard = page.locator('li.appt', { hasText: 'Marie' });
    await bookedCard.waitFor();
    expect(await bookedCard.getAttribute('data-status')).toBe('booked');

    // back in the conversation, the panel lists the visit
    await section('Inbox').click();
    await row('Marie').first().click();
    await panel.getByTestId('patient-appointments').locator('li').first().waitFor();
    expect(await panel.getByTestId('patient-appointments').textContent()).toContain('Dr Ruiz');

    // staff cancel it in the calendar
    await section('Appointments').click();
    await bookedCard.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => bookedCard.getAttribute('data-status')).toBe('cancelled_by_staff');
  });

  it('shares a result and follows its release as the patient completes it on their phone', async () => {
    const s = stack();
    const waId = randomWaId();
    const dob = '1979-08-30';
    await ok(
      api(nurse, 'POST', '/patients', {
        mrn: `MRN-${randomUUID().slice(0, 8)}`,
        givenName: 'Rosalind',
        familyName: 'Franklin',
        dateOfBirth: dob,
        waId,
        preferredLanguage: 'en',
      }),
      201,
      'patient',
    );
    // records tells messaging about the patient (record.events); the conversation is linked at
    // creation, or relinked once that arrives
    await s.patientSays(waId, 'Are my results in?', { profileName: 'Rosalind' });
    await waitFor(
      async () => {
        const list = z
          .object({ items: z.array(Conversation) })
          .parse(await ok(api(nurse, 'GET', '/conversations?limit=200'), 200, 'conversations')).items;
        return list.find(
          (c) => c.patient.phoneNumber?.endsWith(waId.slice(-7)) && c.contactState === 'linked',
        );
      },
      { message: 'the conversation linked to the patient', timeoutMs: 30_000, intervalMs: 2_000 },
    );

    await section('Inbox').click();
    await row('Rosalind').first().click();
    const panel = page.getByTestId('patient-panel');
    await expect.poll(() => panel.getByTestId('patient-name').textContent()).toBe('Rosalind Franklin');

    // upload (multipart) and share
    await panel.getByText('No documents yet.').waitFor();
    await panel.getByLabel('File (PDF, PNG, JPEG or WebP)').setInputFiles({
      name: 'report.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n% X-ray crystallography report\n%%EOF\n', 'latin1'),
    });
    await panel.getByLabel('Title').fill('Imaging report');
    await panel.getByRole('button', { name: 'Upload' }).click();
    const doc = panel.locator('li.document', { hasText: 'Imaging report' });
    await doc.waitFor();
    await doc.getByText('Not shared.').waitFor();
    await doc.getByRole('button', { name: 'Share with the patient' }).click();
    const release = doc.getByTestId('release');
    await expect.poll(() => release.getAttribute('data-status')).toBe('sent');
    const reached = () => release.locator('li.step[data-reached="true"]').allTextContents();
    expect(await reached()).toEqual(['Sent']);
    await shot('7-result-sent');

    // the patient's phone: the notice with the link, then the release page in the phone's browser
    const link = await waitFor(
      async () =>
        /https?:\/\/[^"\s\\]+\/r\/[A-Za-z0-9_-]{43}/.exec(JSON.stringify(await phone(s, waId)))?.[0],
      { message: 'the result notice on the phone', timeoutMs: 30_000 },
    );
    const token = /\/r\/([A-Za-z0-9_-]{43})/.exec(link)![1]!;
    const phoneContext = await browser.newContext({
      viewport: { width: 390, height: 844 },
      acceptDownloads: true,
    });
    try {
      const patientPage = await phoneContext.newPage();
      patientPage.setDefaultTimeout(20_000);
      await patientPage.goto(`${s.urls.records}/r/${token}`);
      await expect.poll(() => release.getAttribute('data-status'), { timeout: 15_000 }).toBe('opened');
      expect(await reached()).toEqual(['Sent', 'Opened']);

      await patientPage.getByLabel('Your date of birth').fill(dob);
      await patientPage.getByRole('button', { name: 'Continue' }).click();
      const code = await waitFor(
        async () => /\b(\d{6})\b is your verification code/.exec(JSON.stringify(await phone(s, waId)))?.[1],
        { message: 'the one-time code on the phone', timeoutMs: 30_000 },
      );
      await patientPage.getByLabel('One-time code').fill(code);
      await patientPage.getByRole('button', { name: 'Verify' }).click();
      await patientPage.locator('#download').waitFor();
      await shot('8-patient-release-page', patientPage);
      await expect.poll(() => release.getAttribute('data-status'), { timeout: 15_000 }).toBe('verified');

      const [download] = await Promise.all([
        patientPage.waitForEvent('download'),
        patientPage.locator('#download').click(),
      ]);
      expect(await download.failure()).toBeNull();
      await expect.poll(() => release.getAttribute('data-status'), { timeout: 15_000 }).toBe('downloaded');
      expect(await reached()).toEqual(['Sent', 'Opened', 'Verified', 'Downloaded']);
      await shot('9-result-downloaded');
    } finally {
      await phoneContext.close();
    }

    await doc.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => release.getAttribute('data-status')).toBe('revoked');
    await doc.getByRole('button', { name: 'Share again' }).waitFor();
  });

  it('marks a no-show in the calendar and charts the rate on the dashboard', async () => {
    const s = stack();
    // a visit that already started (booked through the api; working hours are around the clock)
    const startsAt = new Date(Math.floor((Date.now() - 60_000) / 1000) * 1000).toISOString();
    const past = Appointment.parse(
      await ok(
        api(desk, 'POST', '/appointments', {
          clinicianId: ids.other,
          appointmentTypeId: ids.type,
          startsAt,
          patient: { waId: randomWaId(), displayName: 'Late Patient' },
        }),
        201,
        'book a started visit',
      ),
    );
    expect(s.seed.tenant.id).not.toBe('');
    await section('Appointments').click();
    await page.getByLabel('Date', { exact: true }).fill(day(past.startsAt));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await card(past.id).getByRole('button', { name: 'No-show' }).click();
    await expect.poll(() => card(past.id).getAttribute('data-status')).toBe('no_show');

    await section('No-show dashboard').click();
    const chart = page.getByTestId('no-show-chart');
    await chart.waitFor();
    const cardiology = chart.locator('tbody tr', { hasText: 'Cardiology' });
    await cardiology.waitFor();
    expect(await cardiology.locator('td').allTextContents()).toEqual(['100.0 %', '1', '1']);
    expect(await page.getByTestId('no-show-overall').textContent()).toBe(
      '1 of 1 finished appointments were no-shows (100.0 %).',
    );
    await page.getByLabel('Group by').selectOption('confirmation');
    await chart.locator('tbody tr', { hasText: 'Not confirmed' }).waitFor();
    await shot('10-no-shows');
  });
});
