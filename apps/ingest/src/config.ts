// Ingest's configuration: the common Careline environment (see README.md), parsed once at start.
// A bad environment fails with one line naming each bad variable; the master key is never echoed.
import { masterKeyEnv } from '@careline/crypto';
import { baseEnv, databaseEnv, httpEnv, kafkaEnv } from '@careline/runtime';
import { z } from 'zod';

export const configSchema = z.object({
  ...baseEnv,
  ...httpEnv(8082),
  ...databaseEnv,
  ...kafkaEnv('careline-ingest'),
  CARELINE_MASTER_KEY: masterKeyEnv(),
});

export type Config = z.output<typeof configSchema>;

/**
 * The consumer group. The bus prepends KAFKA_TOPIC_PREFIX on the wire (as for topics), so this is
 * the name whatever the prefix.
 */
export const CONSUMER_GROUP = 'careline-ingest';
