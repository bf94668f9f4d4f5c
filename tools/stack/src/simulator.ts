// The simulator's control API (`/_sim/...`, see apps/wa-simulator/README.md) as typed calls:
// what the dev launcher and the end-to-end tests do with the simulated Meta and its patients.
import { z } from 'zod';
import { expectStatus, requestJson } from './http';

export const PatientMessageResultSchema = z.object({
  id: z.string(),
  timestamp: z.string(),
  delivery_id: z.string(),
});
export type PatientMessageResult = z.infer<typeof PatientMessageResultSchema>;

export const DeliveryAttemptSchema = z.object({
  number: z.number(),
  started_at: z.string(),
  status_code: z.number().nullable(),
  error: z.string().nullable(),
});

export const WebhookDeliverySchema = z.object({
  id: z.string(),
  phone_number_id: z.string(),
  kind: z.enum(['message', 'status', 'user_preferences', 'template_status']),
  /** inbound wamid, or the outbound wamid a status is about (none for preferences/templates) */
  message_id: z.string().nullable(),
  status: z.string().nullable(),
  state: z.enum(['pending', 'delivered', 'failed', 'skipped']),
  reason: z.string().nullable(),
  attempts: z.array(DeliveryAttemptSchema),
  /** `X-Hub-Signature-256` as sent */
  signature: z.string(),
  signature_sha1: z.string(),
  /** the exact bytes sent */
  body: z.string(),
  /** the delivery this one repeats, when the simulator injected a duplicate */
  duplicate_of: z.string().nullable().optional(),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const InboxEntrySchema = z.object({
  id: z.string(),
  phone_number_id: z.string(),
  to: z.string(),
  type: z.string(),
  content: z.unknown(),
  accepted_at: z.string(),
  status: z.string(),
  statuses: z.array(z.unknown()),
});
export type InboxEntry = z.infer<typeof InboxEntrySchema>;

export const VerificationSchema = z.object({
  verified: z.boolean(),
  status_code: z.number().nullable().optional(),
  error: z.string().nullable().optional(),
});

const list = <S extends z.ZodType>(item: S) => z.object({ data: z.array(item) });

export interface WebhookQuery {
  phone_number_id?: string;
  message_id?: string;
  kind?: 'message' | 'status' | 'user_preferences' | 'template_status';
  status?: string;
  state?: 'pending' | 'delivered' | 'failed' | 'skipped';
}

export interface PatientSaysOptions {
  /** Default: the stack's number. */
  phoneNumberId?: string;
  profileName?: string;
  /** wamid of the business message this one quotes */
  replyTo?: string;
}

export interface SimulatorClient {
  readonly url: string;
  /** The patient `waId` writes `text` to the hospital's number; the simulator sends the webhook. */
  patientSays(waId: string, text: string, options?: PatientSaysOptions): Promise<PatientMessageResult>;
  /** The patient reads everything they received (read statuses go out). */
  patientReads(waId: string): Promise<string[]>;
  /** What businesses sent this patient (the Graph calls the simulator accepted). */
  inbox(waId: string): Promise<InboxEntry[]>;
  /** The webhook delivery log, with every attempt and the exact signed bytes. */
  webhooks(query?: WebhookQuery): Promise<WebhookDelivery[]>;
  /** Runs Meta's verification handshake against the business's webhook URL now. */
  verifyWebhook(phoneNumberId: string): Promise<z.infer<typeof VerificationSchema>>;
  /** PATCH /_sim/settings (snake_case, as the README lists). */
  updateSettings(patch: Record<string, unknown>): Promise<void>;
  /** Shifts the simulator's "now" forward. */
  advanceClock(seconds: number): Promise<void>;
}

export function createSimulatorClient(url: string, defaultPhoneNumberId: string): SimulatorClient {
  const sim = (path: string): string => `${url}/_sim${path}`;
  return {
    url,
    async patientSays(waId, text, options = {}) {
      const body = {
        phone_number_id: options.phoneNumberId ?? defaultPhoneNumberId,
        text,
        ...(options.profileName === undefined ? {} : { profile_name: options.profileName }),
        ...(options.replyTo === undefined ? {} : { context: { message_id: options.replyTo } }),
      };
      const response = await requestJson('POST', sim(`/patients/${encodeURIComponent(waId)}/messages`), {
        body,
      });
      return expectStatus(response, 200, PatientMessageResultSchema, 'simulator: patient message');
    },
    async patientReads(waId) {
      const response = await requestJson('POST', sim(`/patients/${encodeURIComponent(waId)}/read`), {
        body: {},
      });
      return expectStatus(response, 200, z.object({ read: z.array(z.string()) }), 'simulator: patient reads')
        .read;
    },
    async inbox(waId) {
      const response = await requestJson('GET', sim(`/patients/${encodeURIComponent(waId)}/inbox`));
      // a number that never wrote and never received anything is not a patient yet: empty inbox
      if (response.status === 404) return [];
      return expectStatus(response, 200, list(InboxEntrySchema), 'simulator: inbox').data;
    },
    async webhooks(query = {}) {
      const params = new URLSearchParams(
        Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      const suffix = params.size > 0 ? `?${params.toString()}` : '';
      const response = await requestJson('GET', sim(`/webhooks${suffix}`));
      return expectStatus(response, 200, list(WebhookDeliverySchema), 'simulator: webhook log').data;
    },
    async verifyWebhook(phoneNumberId) {
      const response = await requestJson(
        'POST',
        sim(`/businesses/${encodeURIComponent(phoneNumberId)}/verify-webhook`),
      );
      return expectStatus(response, 200, VerificationSchema, 'simulator: verify webhook');
    },
    async updateSettings(patch) {
      const response = await requestJson('PATCH', sim('/settings'), { body: patch });
      expectStatus(response, 200, z.unknown(), 'simulator: settings');
    },
    async advanceClock(seconds) {
      const response = await requestJson('POST', sim('/clock/advance'), { body: { seconds } });
      expectStatus(response, 200, z.unknown(), 'simulator: advance clock');
    },
  };
}
