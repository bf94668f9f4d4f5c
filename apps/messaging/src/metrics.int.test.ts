// messaging's /metrics after real work: a reply refused outside the 24-hour window is counted, and
// the bus's series (consumer lag of messaging's group, outbox backlog of its schema) are served
// beside it, as Prometheus would scrape them.
import { randomBytes, randomUUID } from 'node:crypto';
import { TOPICS } from '@careline/contracts';
import { fromGrpcError } from '@careline/runtime';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_GROUP, SCHEMA } from './config';
import { type Harness, nurse, publishPatientText, startHarness } from './int-test-support';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function scrape(): Promise<string> {
  const address = h.app.http.address();
  if (address === undefined) throw new Error('the HTTP server is not listening');
  const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of the series whose label set contains `labels`, undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf('}');
    const found = new Map([...line.slice(0, Math.max(close, 0)).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) {
      return Number(line.slice(close + 1).trim().split(' ')[0]);
    }
  }
  return undefined;
}

describe('messaging metrics', () => {
  it('counts a reply refused because the window is closed, and serves consumer lag and outbox backlog', async () => {
    const before = await scrape();
    expect(sample(before, 'messaging_window_refusals_total')).toBe(0);

    const tenant = randomUUID();
    const waId = `1555${randomBytes(4).readUInt32BE(0) % 10_000_000}`;
    const sentAt = new Date(Math.floor(h.now().getTime() / 1000) * 1000 - 25 * 3600_000);
    const event = await publishPatientText(h, { tenantId: tenant, waId, text: 'Hello?', sentAt });
    const conversation = await waitFor(
      async () => (await h.client.listConversations({}, nurse(tenant))).conversations.find((c) => c.patientWaIdHash === event.waIdHash),
      { message: 'the conversation', timeoutMs: 30_000 },
    );
    const refusal = await h.client
      .sendText({ conversationId: conversation.id, text: 'Are you there?', idempotencyKey: randomUUID() }, nurse(tenant))
      .then(() => undefined, (error: unknown) => fromGrpcError(error).code);
    expect(refusal).toBe('window_closed');

    const after = await scrape();
    expect(sample(after, 'messaging_window_refusals_total')).toBe(1);
    // The patient message was consumed and committed: no lag left on its partition.
    await waitFor(
      async () => {
        const text = await scrape();
        const lags = text
          .split('\n')
          .filter((line) => line.startsWith('kafka_consumer_lag{') && line.includes(`topic="${TOPICS.patientMessageReceived}"`));
        return lags.length > 0 && lags.every((line) => line.includes(`group="${CONSUMER_GROUP}"`) && line.endsWith(' 0'));
      },
      { message: "messaging's lag on patient.message.received.v1 to be served, at 0", timeoutMs: 15_000 },
    );
    // The audit events of the refusal went through the outbox; the relay drains it.
    await waitFor(async () => sample(await scrape(), 'outbox_backlog', { schema: SCHEMA }) === 0, {
      message: 'the outbox backlog to be served, at 0',
      timeoutMs: 15_000,
    });
    expect(sample(after, 'bus_dead_letters_total', { group: CONSUMER_GROUP })).toBeUndefined();
  });
});
