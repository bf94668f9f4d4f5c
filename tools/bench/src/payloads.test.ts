import { parseWebhookBytes, verifySignature } from '@careline/whatsapp';
import { describe, expect, it } from 'vitest';
import { benchText, prepareWebhooks } from './payloads';

const channel = {
  phoneNumberId: '106540352242922',
  displayPhoneNumber: '15550783881',
  wabaId: '102290129340398',
  appSecret: 'bench-app-secret-0123456789',
};

describe('prepareWebhooks', () => {
  const { bodies, texts } = prepareWebhooks(channel, {
    count: 6,
    patients: ['15551230001', '15551230002'],
    runId: 'r1',
    phase: 'ack50',
    now: () => new Date('2026-01-02T03:04:05Z'),
  });

  it('serialises like Meta: ASCII only, non-ASCII as \\uXXXX escapes', () => {
    for (const { body } of bodies) {
      expect(body.every((byte) => byte < 0x80)).toBe(true);
      expect(new TextDecoder().decode(body)).toContain('Gr\\u00fc\\u00dfe \\ud83d\\ude42');
    }
  });

  it("signs the exact bytes with the channel's app secret", () => {
    for (const { body, signature } of bodies) {
      expect(verifySignature(body, signature, channel.appSecret)).toBe(true);
      expect(verifySignature(body, signature, 'another-secret-0123456789')).toBe(false);
    }
  });

  it('makes inbound texts Careline parses, each with its own wamid, spread over the patients', () => {
    const messages = bodies.map(({ body }) => {
      const [event] = parseWebhookBytes(body).events;
      if (event?.kind !== 'message' || event.message.type !== 'text') throw new Error('not an inbound text');
      return event;
    });
    expect(messages.map((event) => event.phoneNumberId)).toEqual(
      Array.from({ length: 6 }, () => channel.phoneNumberId),
    );
    expect(messages.map((event) => event.waId)).toEqual([
      '15551230001',
      '15551230002',
      '15551230001',
      '15551230002',
      '15551230001',
      '15551230002',
    ]);
    expect(new Set(messages.map((event) => event.message.wamid)).size).toBe(6);
    expect(messages.map((event) => (event.message.type === 'text' ? event.message.text.body : ''))).toEqual(
      texts,
    );
    expect(messages[0]?.message.timestamp).toBe(Date.parse('2026-01-02T03:04:05Z') / 1000);
  });

  it('gives each message of a run and phase its own marker text', () => {
    expect(texts[3]).toBe(benchText('r1', 'ack50', 3));
    expect(new Set(texts).size).toBe(6);
  });
});
