// Crashes while messages flow: ingest and messaging are killed with SIGKILL (no shutdown, no
// offset commit, transactions cut mid-way) and restarted while patients keep writing. Every
// webhook the gateway acknowledged with 200 must end up as exactly one message through the api:
// nothing lost (at-least-once) and nothing doubled (idempotent consumers, outbox).
import { randomUUID } from 'node:crypto';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { staffClient, textOf } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('crash');

const MESSAGES = 30;

describe('crash recovery', () => {
  it('keeps every acknowledged patient message exactly once across kill -9 of ingest and messaging', async () => {
    const { simulator } = stack();
    const staff = await staffClient(stack());
    const patients = [randomWaId(), randomWaId(), randomWaId()];
    const run = randomUUID().slice(0, 8);
    const sent: { waId: string; text: string; wamid: string }[] = [];

    const send = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 1) {
        const waId = patients[i % patients.length] ?? '';
        const text = `message ${i} of run ${run}`;
        const said = await stack().patientSays(waId, text);
        sent.push({ waId, text, wamid: said.id });
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    };

    const ingest = stack().app('ingest');
    const messaging = stack().app('messaging');
    await send(0, 8);
    await ingest.kill9();
    await send(8, 16);
    await messaging.kill9();
    await send(16, 22);
    // restarts happen while the rest of the messages flow
    await Promise.all([ingest.restart(), send(22, 26)]);
    await Promise.all([messaging.restart(), send(26, MESSAGES)]);

    // the gateway stayed up, so the simulator's log tells which webhooks were acknowledged (200)
    const deliveries = await waitFor(
      async () => {
        const log = await simulator.webhooks({ kind: 'message' });
        const ours = sent.map((message) => log.find((entry) => entry.message_id === message.wamid));
        return ours.every((entry) => entry !== undefined && entry.state !== 'pending') && ours;
      },
      { message: 'the simulator to finish delivering every webhook', timeoutMs: 30_000 },
    );
    const acknowledged = sent.filter((_, i) => deliveries[i]?.state === 'delivered');
    expect(acknowledged).toHaveLength(MESSAGES);

    const countByText = async (): Promise<Map<string, number>> => {
      const counts = new Map<string, number>();
      for (const waId of patients) {
        const conversation = await staff.conversationWith(waId);
        if (conversation === undefined) continue;
        for (const message of await staff.messages(conversation.id)) {
          const text = textOf(message);
          if (text !== undefined && text.endsWith(`of run ${run}`))
            counts.set(text, (counts.get(text) ?? 0) + 1);
        }
      }
      return counts;
    };
    // consumers rejoin their groups after the restarts (the dead members time out first)
    const counts = await waitFor(
      async () => {
        const current = await countByText();
        return acknowledged.every((message) => (current.get(message.text) ?? 0) >= 1) && current;
      },
      {
        message: `all ${acknowledged.length} acknowledged messages to be listed by the api`,
        timeoutMs: 90_000,
        intervalMs: 500,
      },
    );
    const duplicated = [...counts].filter(([, count]) => count !== 1).map(([text]) => text);
    expect(duplicated).toEqual([]);
    expect(counts.size).toBe(MESSAGES);
  });
});
