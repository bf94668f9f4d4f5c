// Webhooks sent straight to the gateway, for what the simulator does not do on its own: replaying
// the exact signed bytes Meta sent (Meta does retry), bad signatures, and an inbound message with
// an old timestamp (Meta delivers late webhooks for days). The body has the shape the simulator
// sends (apps/wa-simulator/README.md, Webhooks); it is signed with Careline's own signBody.
import { randomBytes, randomInt } from 'node:crypto';
import type { StackSeed } from '@careline/stack';
import { signBody } from '@careline/whatsapp';

export interface InboundText {
  waId: string;
  text: string;
  /** Unix seconds, as Meta writes them. */
  timestamp: number;
  profileName?: string;
  wamid?: string;
}

export function newWamid(): string {
  return `wamid.${randomBytes(24).toString('base64')}`;
}

/** A Meta inbound-text webhook for the seed's number. */
export function inboundTextWebhook(seed: StackSeed, message: InboundText): { body: string; wamid: string } {
  const wamid = message.wamid ?? newWamid();
  const payload = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: seed.whatsapp.wabaId,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: seed.whatsapp.displayPhoneNumber,
                phone_number_id: seed.whatsapp.phoneNumberId,
              },
              contacts: [{ profile: { name: message.profileName ?? 'Patient' }, wa_id: message.waId }],
              messages: [
                {
                  from: message.waId,
                  id: wamid,
                  timestamp: String(message.timestamp),
                  type: 'text',
                  text: { body: message.text },
                },
              ],
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
  return { body: JSON.stringify(payload), wamid };
}

/** POSTs raw bytes to the gateway's webhook endpoint the way Meta does; resolves to the HTTP status. */
export async function postWebhook(
  webhookUrl: string,
  body: string,
  signature: string | undefined,
): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== undefined) headers['x-hub-signature-256'] = signature;
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(15_000),
  });
  await response.arrayBuffer();
  return response.status;
}

export function sign(body: string, appSecret: string): string {
  return signBody(Buffer.from(body, 'utf8'), appSecret);
}

/** A WhatsApp id no other test uses: fictional 555 numbers, random tail. */
export function randomWaId(): string {
  return `1555${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}
