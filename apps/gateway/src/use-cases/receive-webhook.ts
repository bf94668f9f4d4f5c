// A webhook POST from Meta: signature over the raw bytes first, then a minimal JSON parse to find
// the tenants, then the raw body sealed per tenant and published with acks=all. Only when the
// broker has acknowledged every event is the POST answered 200; if Kafka does not take it the
// answer is 503, so Meta retries (the event must never be lost after a 200).
//
// Refusals are DomainErrors, translated to HTTP once by the runtime's error handler.
import { createHash } from 'node:crypto';
import { type BusProducer } from '@careline/bus';
import { EVENT_KEYS, TOPICS, type WebhookReceivedV1, sealContext, webhookReceivedEvent } from '@careline/contracts';
import { type Sealer } from '@careline/crypto';
import { type Logger, invalidArgument, permissionDenied, unauthenticated, unavailable } from '@careline/runtime';
import { decodeWebhookJson, matchSignature } from '@careline/whatsapp';
import { type ChannelRegistry } from '../channels/registry';
import { EVENT_SOURCE } from '../events';
import { type GatewayMetrics } from '../metrics';
import { routeWebhook } from '../webhook/route';

export interface ReceiveWebhookDeps {
  registry: ChannelRegistry;
  sealer: Sealer;
  producer: Pick<BusProducer, 'publish'>;
  metrics: GatewayMetrics;
  logger: Logger;
  clock?: () => Date;
}

export type WebhookReceipt = { status: 'accepted'; events: number } | { status: 'ignored' };

export function createReceiveWebhook(deps: ReceiveWebhookDeps) {
  const { registry, sealer, producer, metrics, logger } = deps;
  const clock = deps.clock ?? (() => new Date());

  return async function receiveWebhook(raw: Uint8Array, signatureHeader: string | undefined): Promise<WebhookReceipt> {
    const receivedAt = clock();
    const secrets = registry.appSecrets();
    const signer = secrets[matchSignature(raw, signatureHeader, secrets)];
    if (signer === undefined) {
      metrics.webhookRefused('bad_signature');
      // Which part failed (missing, malformed or wrong) is not told: it helps only an attacker.
      throw unauthenticated('bad_signature', 'The X-Hub-Signature-256 header is missing or does not match the body.');
    }

    let json: unknown;
    try {
      json = decodeWebhookJson(raw);
    } catch {
      metrics.webhookRefused('not_json');
      throw invalidArgument('not_json', 'The body is not UTF-8 JSON.');
    }

    const routing = routeWebhook(json, raw, registry, signer);
    if (routing.kind === 'app_mismatch') {
      metrics.webhookRefused('app_mismatch');
      // Nothing of the POST is published: one forged change makes the whole body suspect.
      logger.warn(
        { phone_number_ids: routing.phoneNumberIds, waba_ids: routing.wabaIds },
        'webhook refused: numbers registered under another Meta app than the one that signed',
      );
      throw permissionDenied('app_mismatch', 'The payload concerns numbers of another Meta app.');
    }
    if (routing.unknownPhoneNumberIds.length > 0 || routing.unknownWabaIds.length > 0) {
      logger.warn(
        { phone_number_ids: routing.unknownPhoneNumberIds, waba_ids: routing.unknownWabaIds },
        'webhook concerns numbers not in the channel registry; those changes are dropped',
      );
    }
    if (routing.tenants.length === 0) {
      // Not ours: retries would not make it ours, so Meta gets its 200.
      metrics.webhookRefused('unknown_number');
      return { status: 'ignored' };
    }

    const started = performance.now();
    try {
      await Promise.all(
        routing.tenants.map(async (tenant) => {
          const bodySha256 = createHash('sha256').update(tenant.body).digest('hex');
          const sealed = await sealer.seal(tenant.tenantId, tenant.body, sealContext(TOPICS.webhookReceived, bodySha256));
          const payload: WebhookReceivedV1 = {
            body: sealed,
            receivedAt,
            phoneNumberIds: tenant.phoneNumberIds,
            wabaIds: tenant.wabaIds,
            bodySha256,
            tenantId: tenant.tenantId,
          };
          await producer.publish(webhookReceivedEvent, {
            key: EVENT_KEYS.webhookReceived(payload),
            tenantId: tenant.tenantId,
            payload,
            source: EVENT_SOURCE,
            // The same body for the same tenant is the same event: Meta's retries (and ours after
            // a 503 whose send landed anyway) collapse into one ce_id for every consumer.
            id: deterministicEventId(`${TOPICS.webhookReceived}|${tenant.tenantId}|${bodySha256}`),
          });
          logger.info(
            { tenant_id: tenant.tenantId, phone_number_ids: tenant.phoneNumberIds, body_sha256: bodySha256 },
            'webhook published',
          );
        }),
      );
    } catch (error) {
      metrics.observePublish((performance.now() - started) / 1000, 'failed');
      metrics.webhookRefused('kafka_unavailable');
      logger.error({ err: error }, 'webhook not published; answering 503 so that Meta retries');
      // Our own message, not the bus's: the answer goes to the internet, brokers and topics stay in.
      throw unavailable('kafka_unavailable', 'The webhook could not be stored; retry later.', { cause: error });
    }
    metrics.observePublish((performance.now() - started) / 1000, 'ok');
    metrics.webhookAccepted();
    return { status: 'accepted', events: routing.tenants.length };
  };
}

/** A UUID (version-5 layout) derived from `name`, so equal inputs give equal event ids. */
export function deterministicEventId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

