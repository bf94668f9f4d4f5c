// Contract tests of template messages: the registry (defaults, control API, Graph list), every
// 132xxx refusal produced by the input that causes it, limits at exactly their numbers, pricing by
// category, the window rule, marketing opt-out and the messaging limit.
import { buildTemplateMessage } from '@careline/whatsapp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  PATIENT,
  acceptedId,
  patientWrites,
  request,
  sendMessage,
  startSimulator,
  waitFor,
  type GraphErrorReply,
  type RunningSimulator,
} from '../test/harness';

function expectGraphError(
  result: { status: number; body: unknown },
  httpStatus: number,
  code: number,
): string {
  expect(result.status, JSON.stringify(result.body)).toBe(httpStatus);
  const { error } = result.body as GraphErrorReply;
  expect(error.code).toBe(code);
  expect(error.message.startsWith(`(#${code}) `)).toBe(true);
  expect(error.type).toBe('OAuthException');
  return error.error_data.details;
}

const text = (value: string) => ({ type: 'text', text: value });
const body = (...values: string[]) => ({ type: 'body', parameters: values.map(text) });

function template(name: string, components: unknown[] = [], language = 'en_US') {
  return { type: 'template', template: { name, language: { code: language }, components } };
}

const reminder = (extra: unknown[] = []) =>
  template('appointment_reminder', [body('Ana', 'Dr Silva', '12 May 10:30'), ...extra]);

interface InboxEntry {
  id: string;
  status: string;
  pricing: { billable: boolean; category: string; type: string; pricing_model: string } | null;
  template: {
    body: string;
    header: unknown;
    footer: string | null;
    buttons: Record<string, unknown>[];
  } | null;
  failure: { code: number } | null;
}

async function inboxEntry(
  env: RunningSimulator,
  id: string,
  until: (e: InboxEntry) => boolean = () => true,
  waId = PATIENT.wa_id,
) {
  return waitFor(async () => {
    const inbox = await request<{ data: InboxEntry[] }>(env.baseUrl, 'GET', `/_sim/patients/${waId}/inbox`);
    const entry = inbox.body.data.find((e) => e.id === id);
    return entry && until(entry) ? entry : undefined;
  });
}

const registerTemplate = (env: RunningSimulator, t: Record<string, unknown>) =>
  request(env.baseUrl, 'POST', `/_sim/wabas/${BUSINESS.waba_id}/templates`, { body: t });

describe('template messages', () => {
  let env: RunningSimulator;

  beforeEach(async () => {
    env = await startSimulator();
  });
  afterEach(async () => {
    await env.close();
  });

  describe('the registry', () => {
    it('has the hospital demo templates in en_US and es for every WABA', async () => {
      const list = await request<{
        data: { name: string; language: string; category: string; status: string }[];
      }>(env.baseUrl, 'GET', `/_sim/wabas/${BUSINESS.waba_id}/templates`);
      const names = list.body.data.map((t) => `${t.name}/${t.language}/${t.category}`).sort();
      for (const language of ['en_US', 'es']) {
        expect(names).toContain(`appointment_reminder/${language}/UTILITY`);
        expect(names).toContain(`result_ready/${language}/UTILITY`);
        expect(names).toContain(`otp/${language}/AUTHENTICATION`);
        expect(names).toContain(`welcome/${language}/MARKETING`);
      }
      expect(list.body.data.every((t) => t.status === 'APPROVED')).toBe(true);
    });

    it('lists them through Graph for a token of the WABA', async () => {
      const graph = await request<{ data: { name: string; id: string; status: string }[]; paging: unknown }>(
        env.baseUrl,
        'GET',
        `/v23.0/${BUSINESS.waba_id}/message_templates`,
        { token: BUSINESS.access_token },
      );
      expect(graph.status).toBe(200);
      expect(graph.body.data.find((t) => t.name === 'otp')).toMatchObject({
        status: 'APPROVED',
        id: expect.stringMatching(/^\d+$/) as unknown,
      });
      const stranger = await request(env.baseUrl, 'GET', '/v23.0/999/message_templates', {
        token: BUSINESS.access_token,
      });
      expectGraphError(stranger, 400, 100);
    });

    it('creates, replaces and deletes a WABA’s own template, and refuses invalid ones', async () => {
      const created = await registerTemplate(env, {
        name: 'lab_closed',
        language: 'pt_BR',
        category: 'utility',
        components: [{ type: 'body', text: 'O laboratório fecha às {{1}}.' }],
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        waba_id: BUSINESS.waba_id,
        category: 'UTILITY',
        status: 'APPROVED',
      });
      expect((await sendMessage(env.baseUrl, template('lab_closed', [body('18h')], 'pt_BR'))).status).toBe(
        200,
      );

      const invalid = await registerTemplate(env, {
        name: 'Bad Name',
        language: 'en_US',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'x' }],
      });
      expect(invalid.status).toBe(400);
      const gap = await registerTemplate(env, {
        name: 'gap',
        language: 'en_US',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: '{{1}} and {{3}}' }],
      });
      expect(gap.status).toBe(400);

      const removed = await request(
        env.baseUrl,
        'DELETE',
        `/_sim/wabas/${BUSINESS.waba_id}/templates/lab_closed/pt_BR`,
      );
      expect(removed.status).toBe(204);
      expectGraphError(
        await sendMessage(env.baseUrl, template('lab_closed', [body('18h')], 'pt_BR')),
        404,
        132001,
      );
      const shared = await request(
        env.baseUrl,
        'DELETE',
        `/_sim/wabas/${BUSINESS.waba_id}/templates/otp/en_US`,
      );
      expect(shared.status).toBe(409);
    });

    it('changes a shared template for one WABA only', async () => {
      const other = { ...BUSINESS, phone_number_id: '200', waba_id: '300', access_token: 'other-token' };
      await request(env.baseUrl, 'POST', '/_sim/businesses?verify_webhook=false', { body: other });
      const paused = await request(
        env.baseUrl,
        'PATCH',
        `/_sim/wabas/${BUSINESS.waba_id}/templates/welcome/en_US`,
        {
          body: { status: 'PAUSED' },
        },
      );
      expect(paused.body).toMatchObject({ waba_id: BUSINESS.waba_id, status: 'PAUSED' });
      const welcome = template('welcome', [{ type: 'header', parameters: [text('St Mary')] }, body('Ana')]);
      expectGraphError(await sendMessage(env.baseUrl, welcome), 400, 132015);
      expect(
        (await sendMessage(env.baseUrl, welcome, { token: 'other-token', phoneNumberId: '200' })).status,
      ).toBe(200);
    });
  });

  describe('sending', () => {
    it('accepts a reminder outside the window and renders it as the patient sees it', async () => {
      const id = acceptedId(
        await sendMessage(
          env.baseUrl,
          reminder([
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '0',
              parameters: [{ type: 'payload', payload: 'C-1' }],
            },
          ]),
        ),
      );
      const entry = await inboxEntry(env, id);
      expect(entry.template).toMatchObject({
        header: { format: 'TEXT', text: 'Appointment reminder' },
        body: expect.stringContaining(
          'Hello Ana, this is a reminder of your appointment with Dr Silva on 12 May 10:30.',
        ) as unknown,
        buttons: [
          { index: 0, type: 'QUICK_REPLY', text: 'Confirm', payload: 'C-1' },
          { index: 1, type: 'QUICK_REPLY', text: 'Reschedule', payload: 'Reschedule' },
          { index: 2, type: 'QUICK_REPLY', text: 'Cancel', payload: 'Cancel' },
        ],
      });
    });

    it('takes what Careline’s own builder produces', async () => {
      const built = buildTemplateMessage({
        to: `+${PATIENT.wa_id}`,
        name: 'result_ready',
        languageCode: 'es',
        components: [
          { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'tok_123' }] },
        ],
      });
      const id = acceptedId(
        await request(env.baseUrl, 'POST', `/v23.0/${BUSINESS.phone_number_id}/messages`, {
          token: BUSINESS.access_token,
          body: built,
        }),
      );
      const entry = await inboxEntry(env, id);
      expect(entry.template?.buttons).toEqual([
        {
          index: 0,
          type: 'URL',
          text: 'Ver de forma segura',
          url: 'https://portal.careline.example/r/tok_123',
        },
      ]);
    });

    it('sends an authentication code with its copy-code button', async () => {
      const otp = template('otp', [
        body('482913'),
        { type: 'button', sub_type: 'url', index: '0', parameters: [text('482913')] },
      ]);
      const id = acceptedId(await sendMessage(env.baseUrl, otp));
      expect((await inboxEntry(env, id)).template?.buttons).toEqual([
        { index: 0, type: 'OTP', text: 'Copy code', code: '482913' },
      ]);
      // without the button parameter the counts do not match
      expectGraphError(await sendMessage(env.baseUrl, template('otp', [body('482913')])), 400, 132000);
    });

    it('refuses a template that does not exist in that language with 132001 (HTTP 404)', async () => {
      const unknown = expectGraphError(
        await sendMessage(env.baseUrl, template('no_such_template', [])),
        404,
        132001,
      );
      expect(unknown).toContain('does not exist');
      expectGraphError(
        await sendMessage(env.baseUrl, template('appointment_reminder', [body('a', 'b', 'c')], 'fr')),
        404,
        132001,
      );
    });

    it.each([
      ['PENDING', 404, 132001],
      ['REJECTED', 404, 132001],
      ['PAUSED', 400, 132015],
      ['DISABLED', 400, 132016],
    ])('refuses a %s template with %s / %s', async (status, http, code) => {
      await request(
        env.baseUrl,
        'PATCH',
        `/_sim/wabas/${BUSINESS.waba_id}/templates/appointment_reminder/en_US`,
        {
          body: { status },
        },
      );
      expectGraphError(await sendMessage(env.baseUrl, reminder()), http, code);
    });

    it('refuses a wrong number of parameters with 132000, per component', async () => {
      const details = expectGraphError(
        await sendMessage(env.baseUrl, template('appointment_reminder', [body('Ana', 'Dr Silva')])),
        400,
        132000,
      );
      expect(details).toBe(
        'body: number of localizable_params (2) does not match the expected number of params (3)',
      );
      expectGraphError(
        await sendMessage(env.baseUrl, template('appointment_reminder', [body('a', 'b', 'c', 'd')])),
        400,
        132000,
      );
      // result_ready has no header, and its URL button needs its suffix
      expectGraphError(
        await sendMessage(
          env.baseUrl,
          template('result_ready', [{ type: 'header', parameters: [text('x')] }, body('Ana')]),
        ),
        400,
        132000,
      );
      const url = expectGraphError(
        await sendMessage(env.baseUrl, template('result_ready', [body('Ana')])),
        400,
        132000,
      );
      expect(url).toContain('button at index 0');
    });

    it('refuses a parameter of the wrong format with 132012', async () => {
      await registerTemplate(env, {
        name: 'clinic_photo',
        language: 'en_US',
        category: 'MARKETING',
        components: [
          { type: 'HEADER', format: 'IMAGE' },
          { type: 'BODY', text: 'Our new wing, {{1}}!' },
        ],
      });
      const document = { type: 'document', document: { link: 'https://example.org/a.pdf' } };
      const mismatch = expectGraphError(
        await sendMessage(
          env.baseUrl,
          template('clinic_photo', [{ type: 'header', parameters: [document] }, body('Ana')]),
        ),
        400,
        132012,
      );
      expect(mismatch).toContain('expected IMAGE, received DOCUMENT');
      const image = { type: 'image', image: { link: 'https://example.org/a.png' } };
      expectGraphError(
        await sendMessage(
          env.baseUrl,
          template('welcome', [{ type: 'header', parameters: [image] }, body('Ana')]),
        ),
        400,
        132012,
      );
      expectGraphError(
        await sendMessage(
          env.baseUrl,
          reminder([{ type: 'button', sub_type: 'quick_reply', index: '1', parameters: [text('x')] }]),
        ),
        400,
        132012,
      );
    });

    it('accepts a hydrated body of exactly 1024 characters and refuses 1025 with 132005', async () => {
      await registerTemplate(env, {
        name: 'long_text',
        language: 'en_US',
        category: 'UTILITY',
        components: [
          { type: 'HEADER', format: 'TEXT', text: 'Re: {{1}}' },
          { type: 'BODY', text: 'Note: {{1}}' },
        ],
      });
      const send = (header: string, bodyText: string) =>
        sendMessage(
          env.baseUrl,
          template('long_text', [{ type: 'header', parameters: [text(header)] }, body(bodyText)]),
        );
      expect((await send('h', 'x'.repeat(1024 - 'Note: '.length))).status).toBe(200);
      expect(expectGraphError(await send('h', 'x'.repeat(1025 - 'Note: '.length)), 400, 132005)).toContain(
        '1024',
      );
      // the header: 60 with its parameter
      expect((await send('y'.repeat(60 - 'Re: '.length), 'x')).status).toBe(200);
      expectGraphError(await send('y'.repeat(61 - 'Re: '.length), 'x'), 400, 132005);
    });

    it('refuses new lines, tabs and more than four consecutive spaces in parameters with 132007', async () => {
      expect(
        (await sendMessage(env.baseUrl, template('appointment_reminder', [body('Ana    Maria', 'b', 'c')])))
          .status,
      ).toBe(200);
      expectGraphError(
        await sendMessage(env.baseUrl, template('appointment_reminder', [body('Ana     Maria', 'b', 'c')])),
        400,
        132007,
      );
      expectGraphError(
        await sendMessage(env.baseUrl, template('appointment_reminder', [body('Ana\nMaria', 'b', 'c')])),
        400,
        132007,
      );
      expectGraphError(
        await sendMessage(env.baseUrl, template('appointment_reminder', [body('Ana\tMaria', 'b', 'c')])),
        400,
        132007,
      );
    });

    it('refuses buttons the template does not have with 131009, and missing fields with 131008', async () => {
      expectGraphError(
        await sendMessage(
          env.baseUrl,
          reminder([{ type: 'button', sub_type: 'quick_reply', index: '3', parameters: [] }]),
        ),
        400,
        131009,
      );
      expectGraphError(
        await sendMessage(
          env.baseUrl,
          reminder([{ type: 'button', sub_type: 'url', index: '0', parameters: [text('x')] }]),
        ),
        400,
        131009,
      );
      expectGraphError(
        await sendMessage(env.baseUrl, { type: 'template', template: { language: { code: 'en_US' } } }),
        400,
        131008,
      );
      expectGraphError(
        await sendMessage(env.baseUrl, { type: 'template', template: { name: 'otp' } }),
        400,
        131008,
      );
      expectGraphError(await sendMessage(env.baseUrl, { type: 'template' }), 400, 131008);
    });
  });

  describe('window, pricing and policy', () => {
    it('sends templates outside the window while free-form messages need it', async () => {
      await request(env.baseUrl, 'PATCH', '/_sim/settings', { body: { window_errors: 'sync' } });
      expectGraphError(await sendMessage(env.baseUrl, { type: 'text', text: { body: 'hi' } }), 400, 131047);
      expect((await sendMessage(env.baseUrl, reminder())).status).toBe(200);
    });

    it('prices templates by category, utility free inside the window', async () => {
      const outside = acceptedId(await sendMessage(env.baseUrl, reminder()));
      const welcome = acceptedId(
        await sendMessage(
          env.baseUrl,
          template('welcome', [{ type: 'header', parameters: [text('St Mary')] }, body('Ana')]),
        ),
      );
      const otp = acceptedId(
        await sendMessage(
          env.baseUrl,
          template('otp', [
            body('1234'),
            { type: 'button', sub_type: 'url', index: '0', parameters: [text('1234')] },
          ]),
        ),
      );
      await patientWrites(env.baseUrl, 'hello');
      const inside = acceptedId(await sendMessage(env.baseUrl, reminder()));
      expect((await inboxEntry(env, outside)).pricing).toEqual({
        billable: true,
        pricing_model: 'PMP',
        category: 'utility',
        type: 'regular',
      });
      expect((await inboxEntry(env, welcome)).pricing).toMatchObject({
        category: 'marketing',
        type: 'regular',
        billable: true,
      });
      expect((await inboxEntry(env, otp)).pricing).toMatchObject({
        category: 'authentication',
        type: 'regular',
      });
      expect((await inboxEntry(env, inside)).pricing).toEqual({
        billable: false,
        pricing_model: 'PMP',
        category: 'utility',
        type: 'free_customer_service',
      });
    });

    it('fails marketing templates with 131050 once the patient stopped them, until they resume', async () => {
      const welcome = template('welcome', [{ type: 'header', parameters: [text('St Mary')] }, body('Ana')]);
      const marketing = (value: string) =>
        request(env.baseUrl, 'POST', `/_sim/patients/${PATIENT.wa_id}/marketing`, {
          body: { phone_number_id: BUSINESS.phone_number_id, value },
        });
      await marketing('stop');
      const stopped = acceptedId(await sendMessage(env.baseUrl, welcome));
      const utility = acceptedId(await sendMessage(env.baseUrl, reminder()));
      const failed = await inboxEntry(env, stopped, (e) => e.status === 'failed');
      expect(failed.failure).toEqual({
        code: 131050,
        title: expect.stringContaining('stop receiving marketing') as unknown,
      });
      expect(failed.pricing).toBeNull();
      expect((await inboxEntry(env, utility, (e) => e.status !== 'accepted')).status).not.toBe('failed');

      await marketing('resume');
      const resumed = acceptedId(await sendMessage(env.baseUrl, welcome));
      expect(
        (await inboxEntry(env, resumed, (e) => e.status === 'delivered' || e.status === 'read')).failure,
      ).toBeNull();
    });

    it('fails the business-initiated message to the 251st unique user of the day with 131048', async () => {
      await request(env.baseUrl, 'PATCH', '/_sim/settings', {
        body: {
          messaging_limit: 250,
          throughput_mps: 1000,
          status_delays_ms: { sent: 0, delivered: 0, read: null },
        },
      });
      const to = (i: number) => `1555${String(i).padStart(7, '0')}`;
      for (let i = 0; i < 250; i++) acceptedId(await sendMessage(env.baseUrl, { ...reminder(), to: to(i) }));
      const over = acceptedId(await sendMessage(env.baseUrl, { ...reminder(), to: to(250) }));
      const again = acceptedId(await sendMessage(env.baseUrl, { ...reminder(), to: to(0) }));
      const failed = await inboxEntry(env, over, (e) => e.status !== 'accepted', to(250));
      expect(failed.status).toBe('failed');
      expect(failed.failure?.code).toBe(131048);
      // a user already reached today does not count again
      expect((await inboxEntry(env, again, (e) => e.status !== 'accepted', to(0))).status).toBe('delivered');
      // a day later the moving window has room again
      await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 24 * 3600 } });
      const nextDay = acceptedId(await sendMessage(env.baseUrl, { ...reminder(), to: to(250) }));
      expect((await inboxEntry(env, nextDay, (e) => e.status !== 'accepted', to(250))).status).toBe(
        'delivered',
      );
    }, 30_000);
  });
});
