// Audit's configuration: the common Careline environment plus the checkpoint signing key and
// cadence, parsed once at start. A bad environment fails with one line naming each bad variable;
// the signing key is never echoed.
import { type SigningKey, parseSigningKey } from '@careline/audit-chain';
import { baseEnv, databaseEnv, durationMs, grpcEnv, httpEnv, int, kafkaEnv, secret } from '@careline/runtime';
import { z } from 'zod';

/** Ed25519 private key, PKCS#8 PEM (AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE). */
function signingKeyEnv() {
  return secret().transform((pem, ctx): SigningKey => {
    try {
      return parseSigningKey(pem);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be an Ed25519 private key in PEM (${(error as Error).message})` });
      return z.NEVER;
    }
  });
}

export const configSchema = z.object({
  ...baseEnv,
  ...httpEnv(8086),
  ...grpcEnv(50054),
  ...databaseEnv,
  ...kafkaEnv('careline-audit'),
  AUDIT_SIGNING_KEY: signingKeyEnv(),
  /** How often every tenant with entries since its last checkpoint gets one. */
  AUDIT_CHECKPOINT_INTERVAL: durationMs().default(300_000),
  /** A checkpoint at least every this many entries of a tenant, whatever the interval. */
  AUDIT_CHECKPOINT_EVERY: int({ min: 1 }).default(1000),
});

export type Config = z.output<typeof configSchema>;

/** The consumer group; the bus prepends KAFKA_TOPIC_PREFIX on the wire. */
export const CONSUMER_GROUP = 'careline-audit';
