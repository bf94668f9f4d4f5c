// What Meta's webhook delivery asks of the gateway: retried deliveries give one message, unsigned
// or wrongly signed bodies are refused and go nowhere, and while Kafka cannot take a webhook the
// gateway says 503 (never 200), so that Meta retries and nothing acknowledged is lost.
//
// Kafka outage, how: the shared broker must not be stopped (other test files use it), and a plain
// TCP proxy in the gateway's KAFKA_BROKERS is bypassed because the broker advertises its own
// address in metadata. So this stack's gateway runs with a preload (support/kafka-redirect.mjs)
// that sends every one of its connections to the broker through a proxy this test cuts and
// restores; the other apps connect directly. The gateway really loses Kafka mid-flight (open
// connections reset, new ones refused), without restarts or changes to its code or config.
import { testEnv, waitFor } from '@careline/testing';
import type { WebhookDelivery } from '@careline/stack';
import { describe, expect, it } from 'vitest';
import { type StaffClient, staffClient, textOf } from './support/api';
import { useStack } from './support/stack';
import { type CuttableProxy, startProxy } from './support/tcp-proxy';
import { inboundTextWebhook, postWebhook, randomWaId, sign } from './support/webhooks';

const redirect = new URL('./support/kafka-redirect.mjs', import.meta.url);
const proxies: CuttableProxy[] = [];

const stack = useStack(
  'webhooks',
  async () => {
    const brokers = testEnv()
      .kafkaBrokers.split(',')
      .map((broker) => broker.trim());
    for (const broker of brokers) proxies.push(await startProxy(broker));
    return {
      nodeArgs: { gateway: ['--import', redirect.href] },
      env: {
        gateway: {
          KAFKA_BROKERS: proxies.map((proxy) => proxy.address).join(','),
          E2E_KAFKA_REDIRECT: brokers.map((broker, i) => `${broker}=${proxies[i]?.address ?? ''}`).join(','),
          // answer 503 sooner than the default 5 s: the simulator's retries then come quickly too
          KAFKA_PUBLISH_TIMEOUT_MS: '2000',
        },
      },
    };
  },
  {
    // only after the gateway stopped: it leaves its consumer group through the proxy
    afterStop: async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()));
    },
  },
);

async function messagesWithText(staff: StaffClient, waId: string, text: string): Promise<number> {
  const conversation = await staff.conversationWith(waId);
  if (conversation === undefined) return 0;
  return (await staff.messages(conversation.id)).filter((message) => textOf(message) === text).length;
}

/** Barrier: messages of one number keep their order through Kafka, so once this one is listed, everything sent before it was processed. */
async function barrier(staff: StaffClient, waId: string): Promise<void> {
  const text = `barrier ${Date.now()}`;
  await stack().patientSays(waId, text);
  await waitFor(async () => (await messagesWithText(staff, waId, text)) === 1, {
    message: 'the barrier message to be listed',
    timeoutMs: 20_000,
  });
}

describe('webhook delivery', () => {
  it('gives one message for the same signed webhook delivered three times', async () => {
    const { simulator, urls } = stack();
    const staff = await staffClient(stack());
    const waId = randomWaId();
    const said = await stack().patientSays(waId, 'Only once, please');

    // Meta's first delivery (by the simulator), then the identical bytes and signature twice more
    const first = await waitFor(
      async () => (await simulator.webhooks({ message_id: said.id, state: 'delivered' }))[0],
      {
        message: 'the simulator to deliver the webhook',
      },
    );
    for (let i = 0; i < 2; i += 1)
      expect(await postWebhook(urls.webhook, first.body, first.signature)).toBe(200);

    await barrier(staff, waId);
    expect(await messagesWithText(staff, waId, 'Only once, please')).toBe(1);
  });

  it('refuses a badly signed or unsigned webhook with 401, and nothing reaches messaging', async () => {
    const { seed, urls } = stack();
    const staff = await staffClient(stack());
    const waId = randomWaId();
    await stack().patientSays(waId, 'Hello');
    const forged = inboundTextWebhook(seed, {
      waId,
      text: 'Forged message',
      timestamp: Math.floor(Date.now() / 1000),
    });

    expect(await postWebhook(urls.webhook, forged.body, sign(forged.body, 'not-the-app-secret'))).toBe(401);
    expect(await postWebhook(urls.webhook, forged.body, undefined)).toBe(401);
    // the right secret over other bytes: one changed character
    expect(
      await postWebhook(
        urls.webhook,
        forged.body.replace('Forged', 'Forget'),
        sign(forged.body, seed.whatsapp.appSecret),
      ),
    ).toBe(401);

    await barrier(staff, waId);
    expect(await messagesWithText(staff, waId, 'Forged message')).toBe(0);
    expect(await messagesWithText(staff, waId, 'Forget message')).toBe(0);
  });

  it('answers 503 while Kafka is unavailable to the gateway, and the message arrives once after a retry', async () => {
    const { simulator } = stack();
    const staff = await staffClient(stack());
    const waId = randomWaId();
    // quick, many retries: the outage below lasts a few seconds
    await simulator.updateSettings({
      webhook_retry: { first_delay_ms: 500, factor: 1.5, max_delay_ms: 2_000, max_attempts: 30 },
    });

    for (const proxy of proxies) proxy.cut();
    let delivery: WebhookDelivery;
    let wamid: string;
    try {
      const said = await stack().patientSays(waId, 'Sent during the outage');
      wamid = said.id;
      // at least two refused attempts: the gateway keeps refusing while Kafka is away
      delivery = await waitFor(
        async () => {
          const [entry] = await simulator.webhooks({ message_id: said.id });
          return (
            entry !== undefined &&
            entry.attempts.filter((attempt) => attempt.status_code !== null).length >= 2 &&
            entry
          );
        },
        { message: 'two answered delivery attempts during the outage', timeoutMs: 30_000 },
      );
    } finally {
      for (const proxy of proxies) proxy.restore();
    }
    const answered = delivery.attempts.map((attempt) => attempt.status_code).filter((code) => code !== null);
    expect(answered).toEqual(answered.map(() => 503));

    const done = await waitFor(
      async () => {
        const [entry] = await simulator.webhooks({ message_id: wamid });
        return entry?.state !== 'pending' && entry;
      },
      { message: 'the simulator to finish delivering the webhook after Kafka is back', timeoutMs: 45_000 },
    );
    expect(done.state).toBe('delivered');
    const codes = done.attempts.map((attempt) => attempt.status_code);
    // 503 (or no answer) until the last attempt, which got the only 200
    expect(codes.at(-1)).toBe(200);
    expect(codes.slice(0, -1).every((code) => code === 503 || code === null)).toBe(true);

    await waitFor(async () => (await messagesWithText(staff, waId, 'Sent during the outage')) === 1, {
      message: 'the message sent during the outage to be listed',
      timeoutMs: 20_000,
    });
    await barrier(staff, waId);
    expect(await messagesWithText(staff, waId, 'Sent during the outage')).toBe(1);
  });
});
