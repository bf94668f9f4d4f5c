// The simulated patients' control API: replies that must name what they answer, the chat as the
// phone shows it, marketing preferences, and refusals that say why.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  PATIENT,
  acceptedId,
  patientSends,
  patientWrites,
  request,
  sendMessage,
  startSimulator,
  waitFor,
  type RunningSimulator,
} from '../test/harness';

interface Problem {
  status: number;
  code: string;
  detail: string;
}

describe('simulated patients', () => {
  let env: RunningSimulator;

  beforeEach(async () => {
    env = await startSimulator();
    await patientWrites(env.baseUrl, 'hello');
  });
  afterEach(async () => {
    await env.close();
  });

  const reminder = () =>
    sendMessage(env.baseUrl, {
      type: 'template',
      template: {
        name: 'appointment_reminder',
        language: { code: 'en_US' },
        components: [
          { type: 'body', parameters: ['Ana', 'Dr Silva', 'Monday'].map((text) => ({ type: 'text', text })) },
        ],
      },
    });

  it('refuses a tap without context, on the wrong kind of message, or on a button that is not there', async () => {
    const template = acceptedId(await reminder());
    const text = acceptedId(await sendMessage(env.baseUrl, { type: 'text', text: { body: 'plain' } }));
    const noContext = await patientSends<Problem>(env.baseUrl, { type: 'button', button: { index: 0 } });
    expect(noContext.body).toMatchObject({ status: 400, code: 'invalid_request' });
    const notTemplate = await patientSends<Problem>(env.baseUrl, {
      type: 'button',
      context: { message_id: text },
      button: { index: 0 },
    });
    expect(notTemplate.body).toMatchObject({ status: 422, code: 'not_template' });
    const noButton = await patientSends<Problem>(env.baseUrl, {
      type: 'button',
      context: { message_id: template },
      button: { index: 7 },
    });
    expect(noButton.body).toMatchObject({ status: 422, code: 'unknown_button' });
    const notInteractive = await patientSends<Problem>(env.baseUrl, {
      type: 'interactive',
      context: { message_id: template },
      interactive: { type: 'button_reply', id: 'x' },
    });
    expect(notInteractive.body).toMatchObject({ status: 422, code: 'not_interactive' });
  });

  it('refuses a reply to a message that was never delivered', async () => {
    await request(env.baseUrl, 'POST', '/_sim/faults/send', { body: { code: 131026, delivery: 'async' } });
    const failed = acceptedId(await reminder());
    await waitFor(async () => {
      const inbox = await request<{ data: { id: string; status: string }[] }>(
        env.baseUrl,
        'GET',
        `/_sim/patients/${PATIENT.wa_id}/inbox`,
      );
      return inbox.body.data.find((m) => m.id === failed)?.status === 'failed' ? true : undefined;
    });
    const reply = await patientSends<Problem>(env.baseUrl, {
      type: 'button',
      context: { message_id: failed },
      button: { index: 0 },
    });
    expect(reply.body).toMatchObject({ status: 422, code: 'unknown_context_message' });
  });

  it('refuses media a phone would not send, and captions where WhatsApp has none', async () => {
    const gif = await patientSends<Problem>(env.baseUrl, {
      type: 'image',
      media: { data_base64: Buffer.from('GIF89a').toString('base64'), mime_type: 'image/gif' },
    });
    expect(gif.body).toMatchObject({ status: 400, code: 'invalid_media' });
    const captioned = await patientSends<Problem>(env.baseUrl, {
      type: 'audio',
      caption: 'no',
      media: { data_base64: Buffer.from('x').toString('base64'), mime_type: 'audio/ogg' },
    });
    expect(captioned.body.status).toBe(400);
    // any document type is fine from a patient
    const zip = await patientSends(env.baseUrl, {
      type: 'document',
      media: {
        data_base64: Buffer.from('PK').toString('base64'),
        mime_type: 'application/zip',
        filename: 'scans.zip',
      },
    });
    expect(zip.status).toBe(200);
  });

  it('takes a photo of exactly 5 MB from a patient (about 7 MB of base64 JSON)', async () => {
    const photo = await patientSends(env.baseUrl, {
      type: 'image',
      media: { data_base64: Buffer.alloc(5 * 1024 * 1024).toString('base64'), mime_type: 'image/jpeg' },
    });
    expect(photo.status).toBe(200);
    const tooBig = await patientSends<Problem>(env.baseUrl, {
      type: 'image',
      media: { data_base64: Buffer.alloc(5 * 1024 * 1024 + 1).toString('base64'), mime_type: 'image/jpeg' },
    });
    expect(tooBig.body).toMatchObject({ status: 400, code: 'invalid_media' });
  });

  it('shows the chat as the phone does: both sides in order, templates rendered, ticks', async () => {
    const template = acceptedId(await reminder());
    await patientSends(env.baseUrl, {
      type: 'button',
      context: { message_id: template },
      button: { index: 0 },
    });
    const chat = await waitFor(async () => {
      const c = await request<{ data: Record<string, unknown>[] }>(
        env.baseUrl,
        'GET',
        `/_sim/patients/${PATIENT.wa_id}/chat`,
      );
      const last = c.body.data[1];
      return last && last.status === 'read' ? c.body.data : undefined;
    });
    expect(chat.map((e) => `${String(e.direction)}:${String(e.type)}`)).toEqual([
      'patient:text',
      'business:template',
      'patient:button',
    ]);
    expect(chat[1]).toMatchObject({ template: { header: { text: 'Appointment reminder' } }, status: 'read' });
    expect(chat[2]).toMatchObject({ message: { button: { text: 'Confirm' }, context: { id: template } } });
  });

  it('records marketing preferences on the patient', async () => {
    await request(env.baseUrl, 'POST', `/_sim/patients/${PATIENT.wa_id}/marketing`, {
      body: { phone_number_id: BUSINESS.phone_number_id, value: 'stop' },
    });
    const patient = await request<{ marketing: { phone_number_id: string; stopped: boolean }[] }>(
      env.baseUrl,
      'GET',
      `/_sim/patients/${PATIENT.wa_id}`,
    );
    expect(patient.body.marketing).toEqual([
      { phone_number_id: BUSINESS.phone_number_id, stopped: true, since: expect.any(String) as unknown },
    ]);
    const invalid = await request<Problem>(env.baseUrl, 'POST', `/_sim/patients/${PATIENT.wa_id}/marketing`, {
      body: { phone_number_id: BUSINESS.phone_number_id, value: 'maybe' },
    });
    expect(invalid.status).toBe(400);
  });

  it('"STOP" is just text: it changes nothing on its own', async () => {
    const stop = await patientWrites(env.baseUrl, 'STOP');
    expect(stop.status).toBe(200);
    const patient = await request<{ marketing: { stopped: boolean }[] }>(
      env.baseUrl,
      'GET',
      `/_sim/patients/${PATIENT.wa_id}`,
    );
    expect(patient.body.marketing[0]!.stopped).toBe(false);
  });

  it('serves the media a patient sent to the phone UI without a token', async () => {
    const sent = await patientSends(env.baseUrl, {
      type: 'document',
      media: {
        data_base64: Buffer.from('%PDF').toString('base64'),
        mime_type: 'application/pdf',
        filename: 'x.pdf',
      },
    });
    const mine = await request<{ data: { id: string; message: { document: { id: string } } }[] }>(
      env.baseUrl,
      'GET',
      `/_sim/patients/${PATIENT.wa_id}/sent`,
    );
    const mediaId = mine.body.data.find((m) => m.id === sent.body.id)!.message.document.id;
    const meta = await request(env.baseUrl, 'GET', `/_sim/media/${mediaId}`);
    expect(meta.body).toMatchObject({
      id: mediaId,
      mime_type: 'application/pdf',
      origin: 'patient',
      filename: 'x.pdf',
    });
    expect(meta.text).not.toContain('bytes');
    const content = await fetch(`${env.baseUrl}/_sim/media/${mediaId}/content`);
    expect(await content.text()).toBe('%PDF');
  });
});
