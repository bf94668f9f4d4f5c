// Meta's delivery quirks, observed where Careline would observe them: at a receiver. Duplicates
// arrive as the same bytes more than once; reordered statuses arrive out of order; batches carry
// several updates in one POST. Probabilities are 1 here, so each run shows the quirk.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  acceptedId,
  patientWrites,
  request,
  sendMessage,
  startReceiver,
  startSimulator,
  waitFor,
  type Receiver,
  type RunningSimulator,
} from '../test/harness';
import type { DeliveryRecord } from './dispatcher';

interface Body {
  entry: {
    changes: {
      field: string;
      value: { messages?: { id: string }[]; statuses?: { id: string; status: string }[] };
    }[];
  }[];
}
const parse = (raw: Buffer) => JSON.parse(raw.toString('utf8')) as Body;
const statusesOf = (receiver: Receiver, id: string) =>
  receiver
    .posts()
    .flatMap((p) => parse(p.raw).entry.flatMap((e) => e.changes.flatMap((c) => c.value.statuses ?? [])))
    .filter((s) => s.id === id)
    .map((s) => s.status);

describe('webhook delivery quirks', () => {
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

  const patch = (body: unknown) => request(env.baseUrl, 'PATCH', '/_sim/settings', { body });
  const log = async (query = '') =>
    (await request<{ data: DeliveryRecord[] }>(env.baseUrl, 'GET', `/_sim/webhooks${query}`)).body.data;

  it('delivers duplicates: the same bytes and signature, count more times', async () => {
    await patch({ webhook_duplicates: { probability: 1, count: 2 } });
    const sent = await patientWrites(env.baseUrl, 'hello');
    const posts = await waitFor(() => (receiver.posts().length >= 3 ? receiver.posts() : undefined));
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.raw.toString('latin1'))).size).toBe(1);
    expect(new Set(posts.map((p) => p.headers['x-hub-signature-256'])).size).toBe(1);
    expect(parse(posts[0]!.raw).entry[0]!.changes[0]!.value.messages![0]!.id).toBe(sent.body.id);
    const records = await log(`?message_id=${encodeURIComponent(sent.body.id)}`);
    expect(records.map((r) => r.duplicate_of)).toEqual([null, sent.body.delivery_id, sent.body.delivery_id]);
  });

  it('reorders statuses: each one waits for the next, so delivered arrives before sent', async () => {
    await patch({ webhook_reorder: { probability: 1, max_hold_ms: 300 } });
    await patientWrites(env.baseUrl, 'hello');
    const id = acceptedId(await sendMessage(env.baseUrl, { type: 'text', text: { body: 'Booked.' } }));
    const order = await waitFor(() => {
      const s = statusesOf(receiver, id);
      return s.length >= 3 ? s : undefined;
    });
    // sent is held, delivered overtakes it; read is held until max_hold_ms passes
    expect(order).toEqual(['delivered', 'sent', 'read']);
  });

  it('shows read before delivered when those two swap', async () => {
    await env.close();
    // draws: sent is not held (0.9), delivered is (0.1); read then overtakes it
    const draws = [0.9, 0.1];
    env = await startSimulator({
      businesses: [{ ...BUSINESS, webhook_url: receiver.url }],
      random: () => draws.shift() ?? 0.9,
    });
    await patch({ webhook_reorder: { probability: 0.5, max_hold_ms: 5000 } });
    await patientWrites(env.baseUrl, 'hello');
    const id = acceptedId(await sendMessage(env.baseUrl, { type: 'text', text: { body: 'Booked.' } }));
    const order = await waitFor(() => {
      const s = statusesOf(receiver, id);
      return s.length >= 3 ? s : undefined;
    });
    expect(order).toEqual(['sent', 'read', 'delivered']);
  });

  it('batches up to max_items updates per POST within the window', async () => {
    await patch({ webhook_batch: { max_items: 2, window_ms: 200 } });
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) ids.push((await patientWrites(env.baseUrl, text)).body.id);
    await waitFor(() => (receiver.posts().length >= 2 ? true : undefined));
    const batches = receiver
      .posts()
      .map((p) => parse(p.raw).entry[0]!.changes.flatMap((c) => (c.value.messages ?? []).map((m) => m.id)));
    expect(batches).toEqual([[ids[0], ids[1]], [ids[2]]]);
  });

  it('retries a batch as one unit, with the same bytes', async () => {
    await patch({ webhook_batch: { max_items: 10, window_ms: 50 } });
    receiver.respondWith([503]);
    await patientWrites(env.baseUrl, 'one');
    await patientWrites(env.baseUrl, 'two');
    await waitFor(() => (receiver.posts().length >= 2 ? true : undefined));
    const [first, second] = receiver.posts();
    expect(first!.raw.equals(second!.raw)).toBe(true);
    const [record] = await waitFor(async () => {
      const l = await log();
      return l[0]?.state === 'delivered' ? l : undefined;
    });
    expect(record!.attempts.map((a) => a.status_code)).toEqual([503, 200]);
    expect(record!.items).toHaveLength(2);
  });
});
