// The first patient conversation, end to end through real processes: simulator → gateway → Kafka →
// ingest → messaging → api, and the care team's reply back to the patient's phone with its
// delivered/read statuses. Also the two refusals around it: the 24-hour window, and another
// tenant's token. Each test uses its own patient, so they share one stack.
import { randomUUID } from 'node:crypto';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { type StaffClient, problemCode, staffClient, textOf } from './support/api';
import { useStack } from './support/stack';
import { inboundTextWebhook, postWebhook, randomWaId, sign } from './support/webhooks';

const stack = useStack('conversation');

async function waitForConversation(staff: StaffClient, waId: string) {
  return waitFor(() => staff.conversationWith(waId), {
    message: `the conversation with ${waId} to be listed by the api`,
    timeoutMs: 15_000,
  });
}

describe('a patient conversation through every app', () => {
  it('lists the patient message for the right tenant, delivers the reply, and shows delivered then read', async () => {
    const { simulator, seed } = stack();
    // reads only when the patient reads, so that `delivered` can be seen before `read`
    await simulator.updateSettings({ status_delays_ms: { read: null } });
    const staff = await staffClient(stack());
    const waId = randomWaId();

    const said = await stack().patientSays(waId, 'Hello', { profileName: 'Pat Doe' });

    const conversation = await waitForConversation(staff, waId);
    expect(conversation.phoneNumberId).toBe(seed.whatsapp.phoneNumberId);
    expect(conversation.windowOpen).toBe(true);
    const inbound = await waitFor(
      async () => (await staff.messages(conversation.id)).find((m) => textOf(m) === 'Hello'),
      {
        message: 'the patient message "Hello" to be listed',
      },
    );
    expect(inbound.direction).toBe('inbound');
    expect(inbound.wamid === null || inbound.wamid === said.id).toBe(true);

    const replyText = `Hello Pat, this is the care team (${randomUUID().slice(0, 8)})`;
    const posted = await staff.reply(conversation.id, replyText);
    expect([200, 201, 202]).toContain(posted.status);

    // the patient's phone got it: the simulator accepted the Graph call made with the tenant's token
    const received = await waitFor(
      async () =>
        (await simulator.inbox(waId)).find((entry) => JSON.stringify(entry.content).includes(replyText)),
      { message: 'the reply to reach the patient (simulator inbox)', timeoutMs: 15_000 },
    );
    expect(received.phone_number_id).toBe(seed.whatsapp.phoneNumberId);
    expect(received.type).toBe('text');

    const outbound = async () => (await staff.messages(conversation.id)).find((m) => textOf(m) === replyText);
    const delivered = await waitFor(
      async () => {
        const message = await outbound();
        return message?.status.state === 'delivered' ? message : undefined;
      },
      {
        message: 'the reply to be delivered (through the api)',
        timeoutMs: 15_000,
      },
    );
    expect(delivered.direction).toBe('outbound');
    expect(delivered.wamid).toBe(received.id);

    await simulator.patientReads(waId);
    await waitFor(async () => (await outbound())?.status.state === 'read', {
      message: 'the reply to be read (through the api)',
      timeoutMs: 15_000,
    });
  });

  it('refuses a reply when the last patient message is more than 24 hours old, without calling Meta', async () => {
    const { seed, urls, simulator } = stack();
    const staff = await staffClient(stack());
    const waId = randomWaId();
    // Meta delivers late webhooks for days: the patient wrote 25 hours ago, and messaging's window
    // counts from that timestamp, not from when the webhook arrived.
    const old = inboundTextWebhook(seed, {
      waId,
      text: 'Are you there?',
      timestamp: Math.floor(Date.now() / 1000) - 25 * 3600,
    });
    expect(await postWebhook(urls.webhook, old.body, sign(old.body, seed.whatsapp.appSecret))).toBe(200);

    const conversation = await waitForConversation(staff, waId);
    expect(conversation.windowOpen).toBe(false);

    const refused = await staff.reply(conversation.id, 'Sorry for the delay');
    expect(refused.status).toBe(409);
    expect(problemCode(refused)).toBe('window_closed');

    // Barrier: a reply in an open conversation of the same number goes the same way (one Kafka key
    // per number), so once it reached the simulator, a wrongly queued send would have too.
    const openWaId = randomWaId();
    await stack().patientSays(openWaId, 'Hi');
    const open = await waitForConversation(staff, openWaId);
    expect((await staff.reply(open.id, 'Hi, how can we help?')).status).toBeLessThan(300);
    await waitFor(async () => (await simulator.inbox(openWaId)).length === 1, {
      message: 'the barrier reply to reach the simulator',
      timeoutMs: 15_000,
    });

    expect(await simulator.inbox(waId)).toEqual([]);
    const messages = await staff.messages(conversation.id);
    expect(messages.filter((m) => m.direction === 'outbound')).toEqual([]);
  });

  it("shows another tenant none of this tenant's conversations (404, not 403, for a known id)", async () => {
    const staff = await staffClient(stack());
    const waId = randomWaId();
    await stack().patientSays(waId, 'Private question');
    const conversation = await waitForConversation(staff, waId);

    const other = await staffClient(stack(), {
      tenantId: randomUUID(),
      subject: 'nurse-of-another-hospital',
    });
    expect(await other.conversations()).toEqual([]);
    expect((await other.getConversation(conversation.id)).status).toBe(404);
    expect((await other.listMessages(conversation.id)).status).toBe(404);
    expect((await other.reply(conversation.id, 'not yours')).status).toBe(404);

    // and the owner still sees it, untouched by the attempt
    expect((await staff.getConversation(conversation.id)).status).toBe(200);
    expect((await staff.messages(conversation.id)).filter((m) => m.direction === 'outbound')).toEqual([]);
  });
});
