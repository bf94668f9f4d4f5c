// The webhooks the benchmark sends: Meta-shaped inbound texts (one entry, one change, the contact
// and the message), serialised like Meta (non-ASCII as `\uXXXX`) and signed with the channel's app
// secret, each with its own wamid. The texts carry a marker so that the end-to-end phase can find
// each message again through the api; they are synthetic and never printed.
import { randomBytes, randomInt } from 'node:crypto';
import { signWebhook, webhookPayload } from '@careline/whatsapp/testing';
import { type SignedBody } from './http-load';

/** The business number the webhooks are for, as the stack's seed describes it. */
export interface WebhookChannel {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
  appSecret: string;
}

export interface InboundText {
  waId: string;
  wamid: string;
  text: string;
  /** Unix seconds, as Meta writes them. */
  timestamp: number;
  profileName: string;
}

export function newWamid(): string {
  return `wamid.${randomBytes(24).toString('base64')}`;
}

/** A fictional (555) WhatsApp id. */
export function randomWaId(): string {
  return `1555${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

/** The marker text of message `index` of a phase; non-ASCII on purpose (Meta escapes it). */
export function benchText(runId: string, phase: string, index: number): string {
  return `bench ${runId} ${phase} #${index} — Grüße 🙂`;
}

export function signedInboundText(channel: WebhookChannel, message: InboundText): SignedBody {
  const payload = webhookPayload({
    wabaId: channel.wabaId,
    phoneNumberId: channel.phoneNumberId,
    displayPhoneNumber: channel.displayPhoneNumber,
    contacts: [{ profile: { name: message.profileName }, wa_id: message.waId }],
    messages: [
      {
        from: message.waId,
        id: message.wamid,
        timestamp: String(message.timestamp),
        type: 'text',
        text: { body: message.text },
      },
    ],
  });
  return signWebhook(payload, channel.appSecret);
}

/**
 * `count` signed webhooks for one phase, built before the clock starts (signing is not what is
 * measured), spread over `patients` so that they land on several conversations.
 */
export function prepareWebhooks(
  channel: WebhookChannel,
  options: { count: number; patients: readonly string[]; runId: string; phase: string; now?: () => Date },
): { bodies: SignedBody[]; texts: string[] } {
  if (options.patients.length === 0) throw new RangeError('prepareWebhooks: at least one patient');
  const timestamp = Math.floor((options.now ?? (() => new Date()))().getTime() / 1000);
  const bodies: SignedBody[] = [];
  const texts: string[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const text = benchText(options.runId, options.phase, index);
    const waId = options.patients[index % options.patients.length] ?? '';
    bodies.push(
      signedInboundText(channel, { waId, wamid: newWamid(), text, timestamp, profileName: 'Bench Patient' }),
    );
    texts.push(text);
  }
  return { bodies, texts };
}
