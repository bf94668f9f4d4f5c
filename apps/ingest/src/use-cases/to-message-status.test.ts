// Mapping of Meta's statuses onto MessageStatusV1 (pure: no I/O).
import { randomUUID } from 'node:crypto';
import { DeliveryStatus, TOPICS, WA_ID_HASH_PURPOSE, sealContext } from '@careline/contracts';
import { testSealer } from '@careline/crypto/testing';
import { type StatusEvent, parseWebhook } from '@careline/whatsapp';
import { EXAMPLE_WA_ID, type Json, exampleFailedStatus, webhookPayload } from '@careline/whatsapp/testing';
import { describe, expect, it } from 'vitest';
import { messageIdFromCallbackData, toMessageStatus } from './to-message-status';

const sealer = testSealer();
const tenantId = randomUUID();

function statusEvent(payload: Json): StatusEvent {
  const [event] = parseWebhook(payload).events;
  if (event?.kind !== 'status') throw new Error('expected a status event');
  return event;
}

describe('toMessageStatus', () => {
  it('maps example C (failed): error code, title and details; recipient sealed under the wamid context', async () => {
    const payload = await toMessageStatus(sealer, { tenantId, event: statusEvent(exampleFailedStatus()) });
    const wamid = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA';
    expect(payload).toMatchObject({
      tenantId,
      wamid,
      messageId: '',
      phoneNumberId: '106540352242922',
      status: DeliveryStatus.DELIVERY_STATUS_FAILED,
      statusAt: new Date(1750263773 * 1000),
      errors: [
        {
          code: 131026,
          title: 'Message undeliverable',
          details: 'Message Undeliverable.',
          href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
        },
      ],
    });
    expect(payload.pricing).toBeUndefined();
    expect(payload.conversation).toBeUndefined();
    expect(payload.recipientWaIdHash).toBe(
      await sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, EXAMPLE_WA_ID),
    );
    expect(
      await sealer.openString(tenantId, payload.recipientWaId!, sealContext(TOPICS.messageStatus, wamid)),
    ).toBe(EXAMPLE_WA_ID);
  });

  it('takes message_id from biz_opaque_callback_data, and pricing and conversation as Meta sent them', async () => {
    const messageId = randomUUID();
    const event = statusEvent(
      webhookPayload({
        statuses: [
          {
            id: 'wamid.S',
            status: 'delivered',
            timestamp: '1750263800',
            recipient_id: EXAMPLE_WA_ID,
            biz_opaque_callback_data: messageId,
            conversation: { id: 'conv-1', expiration_timestamp: '1750350200', origin: { type: 'service' } },
            pricing: {
              billable: false,
              pricing_model: 'PMP',
              category: 'service',
              type: 'free_customer_service',
            },
          },
        ],
      }),
    );
    const payload = await toMessageStatus(sealer, { tenantId, event });
    expect(payload).toMatchObject({
      messageId,
      status: DeliveryStatus.DELIVERY_STATUS_DELIVERED,
      errors: [],
      pricing: { category: 'service', type: 'free_customer_service', pricingModel: 'PMP', billable: false },
      conversation: { id: 'conv-1', originType: 'service', expiresAt: new Date(1750350200 * 1000) },
    });
  });

  it.each([
    ['sent', DeliveryStatus.DELIVERY_STATUS_SENT],
    ['delivered', DeliveryStatus.DELIVERY_STATUS_DELIVERED],
    ['read', DeliveryStatus.DELIVERY_STATUS_READ],
    ['failed', DeliveryStatus.DELIVERY_STATUS_FAILED],
  ] as const)('maps %s', async (status, expected) => {
    const event = statusEvent(
      webhookPayload({ statuses: [{ id: 'wamid.X', status, timestamp: '1', recipient_id: EXAMPLE_WA_ID }] }),
    );
    expect((await toMessageStatus(sealer, { tenantId, event })).status).toBe(expected);
  });
});

describe('messageIdFromCallbackData', () => {
  it('accepts a UUID (lower-cased) and nothing else', () => {
    const id = randomUUID();
    expect(messageIdFromCallbackData(id.toUpperCase())).toBe(id);
    expect(messageIdFromCallbackData(undefined)).toBe('');
    expect(messageIdFromCallbackData('patient Zoë, +4915112345678')).toBe('');
    expect(messageIdFromCallbackData(`${id} `)).toBe('');
  });
});
