// Latency and hanging faults of the Graph API, and the frozen clock, through HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PATIENT,
  patientWrites,
  request,
  sendMessage,
  startSimulator,
  type RunningSimulator,
} from '../test/harness';

describe('latency faults and the clock', () => {
  let env: RunningSimulator;

  beforeEach(async () => {
    env = await startSimulator();
    await patientWrites(env.baseUrl, 'hello');
  });
  afterEach(async () => {
    await env.close();
  });

  const send = () => sendMessage(env.baseUrl, { type: 'text', text: { body: 'hi' } });
  const inboxSize = async () =>
    (await request<{ data: unknown[] }>(env.baseUrl, 'GET', `/_sim/patients/${PATIENT.wa_id}/inbox`)).body
      .data.length;

  it('answers late when told to, then on time again', async () => {
    const added = await request(env.baseUrl, 'POST', '/_sim/faults/latency', { body: { latency_ms: 300 } });
    expect(added.status).toBe(201);
    let started = Date.now();
    expect((await send()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    started = Date.now();
    expect((await send()).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(290);
  });

  it('hangs without an answer until the caller gives up, and the send has no effect', async () => {
    await request(env.baseUrl, 'POST', '/_sim/faults/latency', { body: { hang: true } });
    const before = await inboxSize();
    const outcome = await fetch(`${env.baseUrl}/v23.0/106540352242922/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer EAAG-test-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        to: PATIENT.wa_id,
        type: 'text',
        text: { body: 'hi' },
      }),
      signal: AbortSignal.timeout(300),
    }).then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.name : 'error'),
    );
    expect(outcome).toBe('TimeoutError');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await inboxSize()).toBe(before);
    // the next request is answered normally
    expect((await send()).status).toBe(200);
  });

  it('lists both kinds of faults and refuses a latency fault that is neither', async () => {
    await request(env.baseUrl, 'POST', '/_sim/faults/send', { body: { code: 131000, ratio: 0.1 } });
    await request(env.baseUrl, 'POST', '/_sim/faults/latency', { body: { latency_ms: 10, ratio: 0.5 } });
    const list = await request<{ data: { kind: string }[] }>(env.baseUrl, 'GET', '/_sim/faults');
    expect(list.body.data.map((f) => f.kind)).toEqual(['send', 'latency']);
    expect((await request(env.baseUrl, 'POST', '/_sim/faults/latency', { body: { count: 1 } })).status).toBe(
      400,
    );
  });

  it('freezes and unfreezes the clock without time going back', async () => {
    const frozen = await request<{ now: string; frozen: boolean }>(env.baseUrl, 'POST', '/_sim/clock/freeze');
    expect(frozen.body.frozen).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await request<{ now: string }>(env.baseUrl, 'GET', '/_sim/clock')).body.now).toBe(
      frozen.body.now,
    );
    const advanced = await request<{ now: string }>(env.baseUrl, 'POST', '/_sim/clock/advance', {
      body: { seconds: 60 },
    });
    expect(Date.parse(advanced.body.now) - Date.parse(frozen.body.now)).toBe(60_000);
    const running = await request<{ now: string; frozen: boolean }>(
      env.baseUrl,
      'POST',
      '/_sim/clock/unfreeze',
    );
    expect(running.body.frozen).toBe(false);
    expect(Date.parse(running.body.now)).toBeGreaterThanOrEqual(Date.parse(advanced.body.now));
  });
});
