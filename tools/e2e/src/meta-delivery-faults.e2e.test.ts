// Meta's delivery as it really is, observed from Careline's side: the simulator delivers every
// webhook several times and holds statuses back so they arrive out of order; the gateway
// acknowledges every copy, and the care team still sees each message once, with its status
// ending where reality ended (read), never moved back by a late `sent` or `delivered`.
import { randomUUID } from 'node:crypto';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { staffClient, textOf } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('meta-faults');

describe('duplicated and reordered webhooks from Meta', () => {
  it('acknowledges every copy, keeps one message, and merges shuffled statuses to read', async () => {
    const { simulator } = stack();
    await simulator.updateSettings({
      webhook_duplicates: { probability: 1, count: 2 },
      webhook_reorder: { probability: 1, max_hold_ms: 300 },
    });
    const staff = await staffClient(stack());
    const waId = randomWaId();

    const said = await stack().patientSays(waId, 'Hello twice over', { profileName: 'Dup Licate' });

    // the gateway saw (and acknowledged with 200) the original and its two duplicates
    const copies = await waitFor(
      async () => {
        const records = (await simulator.webhooks({ message_id: said.id })).filter(
          (r) => r.state === 'delivered',
        );
        return records.length >= 3 ? records : undefined;
      },
      {
        message: 'the message webhook and its two duplicates to be acknowledged by the gateway',
        timeoutMs: 15_000,
      },
    );
    expect(copies.filter((r) => r.duplicate_of !== null)).toHaveLength(2);
    for (const copy of copies) expect(copy.attempts.at(-1)?.status_code).toBe(200);

    const conversation = await waitFor(() => staff.conversationWith(waId), {
      message: 'the conversation to be listed',
      timeoutMs: 15_000,
    });
    const replyText = `Only once, please (${randomUUID().slice(0, 8)})`;
    const posted = await staff.reply(conversation.id, replyText);
    expect(posted.status).toBe(202);

    // sent, delivered and read, each three times and shuffled: the reply ends read
    await waitFor(
      async () =>
        (await staff.messages(conversation.id)).find((m) => textOf(m) === replyText)?.status.state === 'read',
      { message: 'the reply to end read despite shuffled duplicate statuses', timeoutMs: 20_000 },
    );
    // let every held and duplicated status land, then look again: still read, still one of each
    await waitFor(async () => (await simulator.webhooks({ kind: 'status', state: 'pending' })).length === 0, {
      message: 'every status webhook to be delivered',
      timeoutMs: 15_000,
    });
    const messages = await staff.messages(conversation.id);
    expect(messages.filter((m) => textOf(m) === 'Hello twice over')).toHaveLength(1);
    expect(messages.filter((m) => textOf(m) === replyText)).toHaveLength(1);
    expect(messages.find((m) => textOf(m) === replyText)?.status.state).toBe('read');
  });
});
