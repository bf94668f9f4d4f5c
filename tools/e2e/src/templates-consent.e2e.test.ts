// Templates and consent through every real process, Meta played by the simulator: the template
// registry synced from the simulator's `GET /{waba-id}/message_templates` (gateway → messaging),
// free text refused outside the 24-hour window with the templates named, a template sent in the
// fallback language and received on the patient's phone; the patient's STOP (a confirmation comes
// back, later reminders are refused with opted_out), START (allowed again), and WhatsApp's own
// "stop marketing" (user_preferences webhook → ingest → messaging).
import { randomUUID } from 'node:crypto';
import { type JsonResponse, type Stack, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { type StaffClient, problemCode, staffClient } from './support/api';
import { useStack } from './support/stack';
import { inboundTextWebhook, postWebhook, randomWaId, sign } from './support/webhooks';

const stack = useStack('templates');

const SimInboxEntry = z.looseObject({
  id: z.string(),
  type: z.string(),
  content: z.unknown(),
  template: z.unknown().optional(),
});

async function simulatorInbox(s: Stack, waId: string): Promise<z.infer<typeof SimInboxEntry>[]> {
  const response = await requestJson('GET', `${s.urls.simulator}/_sim/patients/${encodeURIComponent(waId)}/inbox`);
  if (response.status === 404) return [];
  return z.object({ data: z.array(SimInboxEntry) }).parse(response.body).data;
}

function api(s: Stack, token: string) {
  const base = `${s.urls.api}/v1`;
  const headers = { authorization: `Bearer ${token}` };
  return {
    sync: () => requestJson('POST', `${base}/templates/sync`, { headers }),
    templates: () => requestJson('GET', `${base}/templates?approvedOnly=true`, { headers }),
    sendTemplate: (conversationId: string, body: Record<string, unknown>) =>
      requestJson('POST', `${base}/conversations/${conversationId}/templates`, { headers, body: { idempotencyKey: randomUUID(), ...body } }),
    consent: (conversationId: string) => requestJson('GET', `${base}/conversations/${conversationId}/consent`, { headers }),
    conversation: (conversationId: string) => requestJson('GET', `${base}/conversations/${conversationId}`, { headers }),
  };
}

const reminder = {
  templateName: 'appointment_reminder',
  parameters: { '1': 'Ana', '2': 'Dr. Ruiz', '3': '12 mayo 10:30' },
  buttons: [{ index: 0, value: 'APPT-42:confirm' }],
  purpose: 'reminder',
};

async function conversationOf(staff: StaffClient, waId: string) {
  return waitFor(() => staff.conversationWith(waId), { message: `the conversation with ${waId}`, timeoutMs: 20_000 });
}

function bodyOf(response: JsonResponse): Record<string, unknown> {
  return z.record(z.string(), z.unknown()).parse(response.body);
}

describe('templates and consent through every app', () => {
  it('refuses free text outside the window naming the templates, and the patient receives a template in the fallback language', async () => {
    const s = stack();
    const staff = await staffClient(s);
    const admin = api(s, await s.mintToken({ roles: ['admin'] }));
    const nurse = api(s, staff.token);

    // the registry comes from the simulator's Graph template list, through the gateway
    const synced = await admin.sync();
    expect(synced.status).toBe(200);
    expect(bodyOf(synced)['templateCount']).toBeGreaterThanOrEqual(10);
    const listed = await nurse.templates();
    expect(listed.status).toBe(200);
    const names = z.object({ items: z.array(z.object({ name: z.string(), language: z.string() })) }).parse(listed.body).items;
    expect(names).toEqual(expect.arrayContaining([{ name: 'appointment_reminder', language: 'es' }, { name: 'appointment_reminder', language: 'en_US' }]));

    const waId = randomWaId();
    const old = inboundTextWebhook(s.seed, { waId, text: 'Hola, ¿hay cita?', timestamp: Math.floor(Date.now() / 1000) - 25 * 3600 });
    expect(await postWebhook(s.urls.webhook, old.body, sign(old.body, s.seed.whatsapp.appSecret))).toBe(200);
    const conversation = await conversationOf(staff, waId);
    expect(conversation.windowOpen).toBe(false);

    const refused = await staff.reply(conversation.id, 'Hola Ana');
    expect(refused.status).toBe(409);
    expect(problemCode(refused)).toBe('window_closed');
    expect(JSON.stringify(refused.body)).toContain('appointment_reminder');

    const sent = await nurse.sendTemplate(conversation.id, { ...reminder, languageCode: 'es_MX' });
    expect(sent.status).toBe(202);
    expect(bodyOf(sent)['language']).toBe('es');

    const received = await waitFor(async () => (await simulatorInbox(s, waId)).find((entry) => entry.type === 'template'), {
      message: 'the template to reach the patient',
      timeoutMs: 20_000,
    });
    const onPhone = JSON.stringify(received);
    expect(onPhone).toContain('Hola Ana, le recordamos su cita con Dr. Ruiz el 12 mayo 10:30');
    expect(onPhone).toContain('APPT-42:confirm');
    await waitFor(
      async () => (await staff.messages(conversation.id)).some((m) => m.content.type === 'template' && ['delivered', 'read'].includes(m.status.state)),
      { message: 'the template to show delivered in the inbox', timeoutMs: 20_000 },
    );
  });

  it('STOP opts the patient out (confirmed on the phone), a later reminder is refused with opted_out; START allows it again', async () => {
    const s = stack();
    const staff = await staffClient(s);
    const nurse = api(s, staff.token);
    const waId = randomWaId();
    await s.patientSays(waId, 'Hello');
    const conversation = await conversationOf(staff, waId);

    await s.patientSays(waId, 'STOP');
    await waitFor(async () => bodyOf(await nurse.conversation(conversation.id))['optedOut'] === true, {
      message: 'the conversation to show opted out',
      timeoutMs: 20_000,
    });
    await waitFor(async () => (await simulatorInbox(s, waId)).find((e) => JSON.stringify(e.content).includes('no longer receive')), {
      message: 'the STOP confirmation on the phone',
      timeoutMs: 20_000,
    });
    const consent = bodyOf(await nurse.consent(conversation.id));
    expect(consent).toMatchObject({ state: 'opted_out', source: 'keyword' });

    const refused = await nurse.sendTemplate(conversation.id, reminder);
    expect(refused.status).toBe(409);
    expect(problemCode(refused)).toBe('opted_out');
    expect((await staff.reply(conversation.id, 'Are you sure?')).status).toBe(409);

    await s.patientSays(waId, 'START');
    await waitFor(async () => bodyOf(await nurse.conversation(conversation.id))['optedOut'] === false, {
      message: 'the conversation to show opted in again',
      timeoutMs: 20_000,
    });
    const allowed = await nurse.sendTemplate(conversation.id, reminder);
    expect(allowed.status).toBe(202);
    await waitFor(async () => (await simulatorInbox(s, waId)).some((e) => e.type === 'template'), {
      message: 'the reminder after START to reach the patient',
      timeoutMs: 20_000,
    });
  });

  it("WhatsApp's own marketing stop (user_preferences) refuses marketing templates only", async () => {
    const s = stack();
    const staff = await staffClient(s);
    const nurse = api(s, staff.token);
    const waId = randomWaId();
    await s.patientSays(waId, 'Hi');
    const conversation = await conversationOf(staff, waId);

    const stop = await requestJson('POST', `${s.urls.simulator}/_sim/patients/${waId}/marketing`, {
      body: { phone_number_id: s.seed.whatsapp.phoneNumberId, value: 'stop' },
    });
    expect(stop.status).toBeLessThan(300);
    await waitFor(async () => bodyOf(await nurse.consent(conversation.id))['marketingStopped'] === true, {
      message: 'the marketing stop to reach messaging',
      timeoutMs: 20_000,
    });
    const welcome = await nurse.sendTemplate(conversation.id, { templateName: 'welcome', parameters: { 'header.1': 'St. Mary', '1': 'Ana' } });
    expect(welcome.status).toBe(409);
    expect(problemCode(welcome)).toBe('opted_out');
    expect((await nurse.sendTemplate(conversation.id, reminder)).status).toBe(202);
  });
});
