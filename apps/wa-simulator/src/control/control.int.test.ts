// The control API's own contract: problem+json errors, patients and their windows, replies with
// context, and what unknown paths answer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  PATIENT,
  patientWrites,
  request,
  sendText,
  startReceiver,
  startSimulator,
  waitFor,
  type Receiver,
  type RunningSimulator,
} from '../test/harness';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
}

describe('control API', () => {
  let env: RunningSimulator;
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await startReceiver();
    env = await startSimulator({ businesses: [{ ...BUSINESS, webhook_url: receiver.url }] });
  });
  afterEach(async () => {
    await env.close();
    await receiver.close();
  });

  it('answers errors as problem+json with a stable code', async () => {
    const missing = await request<Problem>(env.baseUrl, 'GET', '/_sim/patients/4915112345678');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, code: 'patient_not_found' });

    const invalid = await request<Problem>(env.baseUrl, 'POST', '/_sim/patients', {
      body: { wa_id: '+49 151' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('invalid_request');
    expect(invalid.body.detail).toContain('wa_id');

    const notJson = await request<Problem>(env.baseUrl, 'POST', '/_sim/patients', {
      rawBody: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.body).toMatchObject({ status: 400, code: 'invalid_json' });

    const unknownRoute = await request<Problem>(env.baseUrl, 'GET', '/_sim/nothing-here');
    expect(unknownRoute.body).toMatchObject({ status: 404, code: 'route_not_found' });
  });

  it('takes an empty body with a JSON content type as no body', async () => {
    const result = await request(env.baseUrl, 'POST', `/_sim/patients/${PATIENT.wa_id}/read`, {
      rawBody: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(result.status).toBe(200);
  });

  it('shows the window a patient opened by writing', async () => {
    const before = await request<{ windows: { phone_number_id: string; open: boolean }[] }>(
      env.baseUrl,
      'GET',
      `/_sim/patients/${PATIENT.wa_id}`,
    );
    expect(before.body.windows).toEqual([
      { phone_number_id: BUSINESS.phone_number_id, open: false, last_inbound_at: null },
    ]);
    await patientWrites(env.baseUrl, 'hello');
    const after = await request<{ windows: { open: boolean }[] }>(
      env.baseUrl,
      'GET',
      `/_sim/patients/${PATIENT.wa_id}`,
    );
    expect(after.body.windows[0]!.open).toBe(true);
  });

  it('registers an unknown writer as a patient with the given profile name', async () => {
    const result = await request<{ id: string }>(
      env.baseUrl,
      'POST',
      '/_sim/patients/447700900123/messages',
      {
        body: { phone_number_id: BUSINESS.phone_number_id, text: 'hi', profile_name: 'Ana' },
      },
    );
    expect(result.status).toBe(200);
    const patient = await request(env.baseUrl, 'GET', '/_sim/patients/447700900123');
    expect(patient.body).toMatchObject({ wa_id: '447700900123', profile_name: 'Ana', on_whatsapp: true });
  });

  it('refuses messages from a patient who is not on WhatsApp, and from unknown businesses', async () => {
    await request(env.baseUrl, 'POST', '/_sim/patients', {
      body: { wa_id: '15550000000', on_whatsapp: false },
    });
    const offline = await request<Problem>(env.baseUrl, 'POST', '/_sim/patients/15550000000/messages', {
      body: { phone_number_id: BUSINESS.phone_number_id, text: 'hi' },
    });
    expect(offline.body).toMatchObject({ status: 409, code: 'patient_not_on_whatsapp' });
    const noBusiness = await request<Problem>(
      env.baseUrl,
      'POST',
      `/_sim/patients/${PATIENT.wa_id}/messages`,
      {
        body: { phone_number_id: '42', text: 'hi' },
      },
    );
    expect(noBusiness.body).toMatchObject({ status: 404, code: 'business_not_found' });
  });

  it('quotes the business message a patient replies to in `context`', async () => {
    await patientWrites(env.baseUrl, 'hello');
    const sent = await sendText<{ messages: { id: string }[] }>(env.baseUrl, 'Shall we book Tuesday?');
    const quotedId = sent.body.messages[0]!.id;
    const reply = await request<{ id: string }>(
      env.baseUrl,
      'POST',
      `/_sim/patients/${PATIENT.wa_id}/messages`,
      {
        body: { phone_number_id: BUSINESS.phone_number_id, text: 'Yes', context: { message_id: quotedId } },
      },
    );
    const post = await waitFor(() =>
      receiver.posts().find((p) => p.raw.toString('utf8').includes(reply.body.id)),
    );
    const message = (
      JSON.parse(post.raw.toString('utf8')) as {
        entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[];
      }
    ).entry[0]!.changes[0]!.value.messages[0]!;
    expect(message.context).toEqual({ from: BUSINESS.display_phone_number, id: quotedId });

    const unknown = await request<Problem>(env.baseUrl, 'POST', `/_sim/patients/${PATIENT.wa_id}/messages`, {
      body: { phone_number_id: BUSINESS.phone_number_id, text: 'Yes', context: { message_id: 'wamid.nope' } },
    });
    expect(unknown.body.code).toBe('unknown_context_message');
  });

  it('answers Graph paths it does not simulate in Meta’s error shape', async () => {
    const result = await request<{ error: { code: number; error_subcode: number } }>(
      env.baseUrl,
      'POST',
      `/v23.0/${BUSINESS.phone_number_id}/subscribed_apps`,
      { token: BUSINESS.access_token, body: {} },
    );
    expect(result.status).toBe(400);
    expect(result.body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });
});
