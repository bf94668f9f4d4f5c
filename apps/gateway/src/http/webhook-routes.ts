// `GET/POST /webhooks/whatsapp`, Meta's side of the gateway. Thin: parse what HTTP gives, call the
// use-case, answer. The POST route reads the body as raw bytes whatever the content type: the
// signature covers the exact bytes, and Meta's `\uXXXX` escapes would not survive a parse and
// re-serialisation.
import { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type GatewayMetrics } from '../metrics';
import { type WebhookReceipt } from '../use-cases/receive-webhook';
import { type VerifySubscription } from '../use-cases/verify-subscription';

export const WEBHOOK_PATH = '/webhooks/whatsapp';

export interface WebhookRouteDeps {
  verifySubscription: VerifySubscription;
  receiveWebhook: (raw: Uint8Array, signatureHeader: string | undefined) => Promise<WebhookReceipt>;
  metrics: GatewayMetrics;
  maxBytes: number;
}

// Repeated parameters arrive as arrays; only single strings are taken.
const handshakeQuery = z.object({
  'hub.mode': z.string().optional().catch(undefined),
  'hub.verify_token': z.string().optional().catch(undefined),
  'hub.challenge': z.string().optional().catch(undefined),
});

export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): void {
  // An encapsulated scope, so the raw-bytes parser applies to these routes only.
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.maxBytes }, (_request, body, parsed) => {
      parsed(null, body);
    });
    scope.addHook('onError', (_request, _reply, error, next) => {
      if ((error as { code?: unknown }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') deps.metrics.webhookRefused('too_large');
      next();
    });

    scope.get(WEBHOOK_PATH, async (request, reply) => {
      const query = handshakeQuery.safeParse(request.query);
      const challenge = query.success
        ? deps.verifySubscription({
            mode: query.data['hub.mode'],
            verifyToken: query.data['hub.verify_token'],
            challenge: query.data['hub.challenge'],
          })
        : undefined;
      if (challenge === undefined) {
        return reply.code(403).type('text/plain; charset=utf-8').send('Forbidden');
      }
      // The raw challenge, nothing around it: Meta compares the body with what it sent.
      return reply.code(200).type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(challenge);
    });

    scope.post(WEBHOOK_PATH, { bodyLimit: deps.maxBytes }, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers['x-hub-signature-256'];
      const receipt = await deps.receiveWebhook(raw, typeof header === 'string' ? header : undefined);
      return reply.code(200).send({ status: receipt.status });
    });
    done();
  });
}
