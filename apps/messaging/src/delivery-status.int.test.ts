// Delivery status through the real consumer: gateway results and Meta statuses published in every
// order (and before messaging can match them) end in the state the monotonic merge promises.
import { explainMetaError } from '@careline/whatsapp';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  DeliveryStatus,
  EVENT_KEYS,
  type Message,
  MessageState,
  type MessageStatusV1,
  type OutboundResultV1,
  TOPICS,
  messageStatusEvent,
  outboundResultEvent,
  sealContext,
} from '@careline/contracts';
import { sampleMessageStatus, sampleOutboundResult } from '@careline/contracts/testing';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, HOSPITAL_NUMBER, nurse, publishPatientText, randomWaId, startHarness } from './int-test-support';

type Reported = 'sent' | 'delivered' | 'read' | 'failed';

const DELIVERY: Record<Reported, DeliveryStatus> = {
  sent: DeliveryStatus.DELIVERY_STATUS_SENT,
  delivered: DeliveryStatus.DELIVERY_STATUS_DELIVERED,
  read: DeliveryStatus.DELIVERY_STATUS_READ,
  failed: DeliveryStatus.DELIVERY_STATUS_FAILED,
};

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

describe('delivery status', () => {
  let h: Harness;
  const tenant = randomUUID();
  const waId = randomWaId();
  let conversationId = '';
  let waIdHash = '';
  const base = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
  /** Meta's status timestamps: a fixed second per status kind, so the expected updated_at is known. */
  const statusAt: Record<Reported, Date> = {
    sent: new Date(base.getTime() + 1000),
    delivered: new Date(base.getTime() + 2000),
    read: new Date(base.getTime() + 3000),
    failed: new Date(base.getTime() + 4000),
  };

  beforeAll(async () => {
    h = await startHarness();
    const event = await publishPatientText(h, { tenantId: tenant, waId, text: 'Hello', sentAt: new Date(Date.now() - 60_000) });
    waIdHash = event.waIdHash;
    const conversation = await waitFor(
      async () => (await h.client.listConversations({}, nurse(tenant))).conversations[0],
      { message: 'the conversation', timeoutMs: 30_000 },
    );
    conversationId = conversation.id;
  });

  afterAll(async () => {
    await h?.close();
  });

  async function reply(text = 'Reply'): Promise<Message> {
    const { message } = await h.client.sendText({ conversationId, text, idempotencyKey: randomUUID() }, nurse(tenant));
    if (!message) throw new Error('no message');
    return message;
  }

  async function status(
    reported: Reported,
    target: { messageId: string; wamid: string },
    errors: MessageStatusV1['errors'] = [],
  ): Promise<void> {
    const payload = sampleMessageStatus({
      tenantId: tenant,
      wamid: target.wamid,
      messageId: target.messageId,
      phoneNumberId: HOSPITAL_NUMBER,
      recipientWaId: await h.sealer.seal(tenant, waId, sealContext(TOPICS.messageStatus, target.wamid)),
      recipientWaIdHash: waIdHash,
      status: DELIVERY[reported],
      statusAt: statusAt[reported],
      errors,
    });
    await h.publish(messageStatusEvent, EVENT_KEYS.messageStatus(payload), tenant, payload);
  }

  async function result(messageId: string, outcome: OutboundResultV1['outcome']): Promise<void> {
    const payload = sampleOutboundResult({
      tenantId: tenant,
      messageId,
      idempotencyKey: messageId,
      phoneNumberId: HOSPITAL_NUMBER,
      recipientWaIdHash: waIdHash,
      completedAt: new Date(base.getTime() + 500),
      outcome,
    });
    await h.publish(outboundResultEvent, EVENT_KEYS.outboundResult(payload), tenant, payload);
  }

  async function messagesById(): Promise<Map<string, Message>> {
    const { messages } = await h.client.listMessages({ conversationId, pageSize: 200 }, nurse(tenant));
    return new Map(messages.map((m) => [m.id, m]));
  }

  /** Publishes a `sent` for a fresh control message and waits for it: every status published before it on the patient's key (one partition) has been handled. */
  async function drainStatuses(): Promise<void> {
    const control = await reply('control');
    const wamid = `wamid.${randomBytes(10).toString('hex')}`;
    await status('sent', { messageId: control.id, wamid });
    await waitFor(async () => (await messagesById()).get(control.id)?.status?.state === MessageState.MESSAGE_STATE_SENT, {
      message: 'the control status',
      timeoutMs: 30_000,
    });
  }

  it('ends in read for every order of sent, delivered and read, with read as the time of the state', async () => {
    const orders = permutations<Reported>(['sent', 'delivered', 'read']);
    const cases = [];
    for (const order of orders) {
      const message = await reply(`order ${order.join(' ')}`);
      const wamid = `wamid.${randomBytes(10).toString('hex')}`;
      await result(message.id, { $case: 'accepted', value: { wamid } });
      for (const reported of order) await status(reported, { messageId: message.id, wamid });
      cases.push({ order, message, wamid });
    }
    await drainStatuses();
    const byId = await messagesById();
    for (const { order, message, wamid } of cases) {
      expect({ order, wamid: byId.get(message.id)?.wamid, status: byId.get(message.id)?.status }).toEqual({
        order,
        wamid,
        status: { state: MessageState.MESSAGE_STATE_READ, errorCode: '', reason: '', updatedAt: statusAt.read },
      });
    }
    // every status's own timestamp is kept, whatever the order
    const { rows } = await h.db.adminPool.query(
      `SELECT DISTINCT sent_status_at, delivered_status_at, read_status_at FROM messaging.messages WHERE id = ANY($1::uuid[])`,
      [cases.map((c) => c.message.id)],
    );
    expect(rows).toEqual([{ sent_status_at: statusAt.sent, delivered_status_at: statusAt.delivered, read_status_at: statusAt.read }]);
  });

  it('stays failed, with code and plain reason, whatever order failed arrives in among sent and delivered', async () => {
    const orders = permutations<Reported>(['sent', 'failed', 'delivered']);
    const cases = [];
    for (const order of orders) {
      const message = await reply(`failing ${order.join(' ')}`);
      const wamid = `wamid.${randomBytes(10).toString('hex')}`;
      await result(message.id, { $case: 'accepted', value: { wamid } });
      for (const reported of order) {
        await status(reported, { messageId: message.id, wamid }, reported === 'failed' ? [{ code: 131026, title: 'Message undeliverable', details: '', href: '' }] : []);
      }
      cases.push({ order, message });
    }
    await drainStatuses();
    const byId = await messagesById();
    for (const { order, message } of cases) {
      expect({ order, status: byId.get(message.id)?.status }).toEqual({
        order,
        status: {
          state: MessageState.MESSAGE_STATE_FAILED,
          errorCode: '131026',
          reason: explainMetaError(131026),
          updatedAt: statusAt.failed,
        },
      });
    }
  });

  it('records the wamid of an accepted send but stays queued until Meta says sent', async () => {
    const message = await reply();
    const wamid = `wamid.${randomBytes(10).toString('hex')}`;
    await result(message.id, { $case: 'accepted', value: { wamid } });
    const stored = await waitFor(async () => {
      const m = (await messagesById()).get(message.id);
      return m?.wamid === wamid ? m : undefined;
    }, { message: 'the wamid', timeoutMs: 30_000 });
    expect(stored.status?.state).toBe(MessageState.MESSAGE_STATE_QUEUED);
  });

  it('fails a send the gateway could not make, with a reason the care team can act on; a late sent does not revive it', async () => {
    const message = await reply();
    await result(message.id, {
      $case: 'failed',
      value: { metaErrorCode: 131047, title: 'Re-engagement message', details: '', retryable: false, httpStatus: 400, code: '' },
    });
    // results and statuses travel on different topics: wait for the result, then send the late status
    await waitFor(async () => (await messagesById()).get(message.id)?.status?.state === MessageState.MESSAGE_STATE_FAILED, {
      message: 'the failed result',
      timeoutMs: 30_000,
    });
    await status('sent', { messageId: message.id, wamid: `wamid.${randomBytes(10).toString('hex')}` });
    await drainStatuses();
    const failed = (await messagesById()).get(message.id);
    expect(failed?.status).toMatchObject({
      state: MessageState.MESSAGE_STATE_FAILED,
      errorCode: '131047',
      reason: explainMetaError(131047),
    });
  });

  it('parks a status that arrives before the result that tells messaging its wamid, and applies it when the result comes', async () => {
    const message = await reply();
    const wamid = `wamid.${randomBytes(10).toString('hex')}`;
    // A status that names only the wamid (no callback data): nothing in messaging knows it yet.
    await status('delivered', { messageId: '', wamid });
    await waitFor(
      async () => {
        const { rows } = await h.db.adminPool.query('SELECT status FROM messaging.pending_statuses WHERE wamid = $1', [wamid]);
        return rows.length === 1;
      },
      { message: 'the status to be parked', timeoutMs: 30_000 },
    );
    expect((await messagesById()).get(message.id)?.status?.state).toBe(MessageState.MESSAGE_STATE_QUEUED);

    await result(message.id, { $case: 'accepted', value: { wamid } });
    const applied = await waitFor(async () => {
      const m = (await messagesById()).get(message.id);
      return m?.status?.state === MessageState.MESSAGE_STATE_DELIVERED ? m : undefined;
    }, { message: 'the parked status to be applied', timeoutMs: 30_000 });
    expect(applied).toMatchObject({ wamid, status: { updatedAt: statusAt.delivered } });
    const { rows } = await h.db.adminPool.query('SELECT count(*)::int AS n FROM messaging.pending_statuses WHERE wamid = $1', [wamid]);
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('takes the wamid from a status that overtakes the result, and the result then changes nothing', async () => {
    const message = await reply();
    const wamid = `wamid.${randomBytes(10).toString('hex')}`;
    await status('read', { messageId: message.id, wamid });
    await waitFor(async () => (await messagesById()).get(message.id)?.status?.state === MessageState.MESSAGE_STATE_READ, {
      message: 'read',
      timeoutMs: 30_000,
    });
    await result(message.id, { $case: 'accepted', value: { wamid } });
    await status('delivered', { messageId: message.id, wamid });
    await drainStatuses();
    expect((await messagesById()).get(message.id)).toMatchObject({ wamid, status: { state: MessageState.MESSAGE_STATE_READ } });
  });
});
