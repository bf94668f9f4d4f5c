// Kafka topics of a stack: every contract topic with its dead-letter companion, under the stack's
// prefix. A test stack removes its topics (and consumer groups) again at stop, so a long-lived
// local broker does not collect thousands of partitions.
import { createKafka, ensureTopics, type TopicSpec } from '@careline/bus';
import { TOPIC_PROVISIONING } from '@careline/contracts';
import kafkajs from 'kafkajs';

const DLQ_SUFFIX = '.dlq';

/**
 * TOPIC_PROVISIONING as ensureTopics takes it: main topics with `dlq: true`, the dead-letter
 * partitions taken from their own entries. `partitions` overrides the main topics' count (test
 * stacks use fewer: quicker to create and to rebalance).
 */
export function topicSpecs(partitions?: number): TopicSpec[] {
  const byName = new Map(TOPIC_PROVISIONING.map((entry) => [entry.topic, entry.partitions]));
  return TOPIC_PROVISIONING.filter((entry) => !entry.topic.endsWith(DLQ_SUFFIX)).map((entry) => ({
    topic: entry.topic,
    numPartitions: partitions ?? entry.partitions,
    dlq: true,
    dlqPartitions: byName.get(`${entry.topic}${DLQ_SUFFIX}`) ?? 1,
  }));
}

export async function provisionTopics(
  brokers: readonly string[],
  topicPrefix: string,
  partitions?: number,
): Promise<void> {
  const kafka = createKafka({ brokers, clientId: 'careline-stack', topicPrefix });
  await ensureTopics(kafka, topicSpecs(partitions));
}

/**
 * Deletes every topic and consumer group whose name starts with `topicPrefix`. Only for a
 * non-empty prefix that belongs to one stack; best effort (a broker that went away keeps them).
 */
export async function removeTopics(brokers: readonly string[], topicPrefix: string): Promise<void> {
  if (topicPrefix === '') throw new TypeError('removeTopics needs a prefix: it would delete every topic');
  const kafka = new kafkajs.Kafka({
    brokers: [...brokers],
    clientId: 'careline-stack',
    connectionTimeout: 3_000,
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const ours = groups.map((group) => group.groupId).filter((id) => id.startsWith(topicPrefix));
    // A group still holding a member that vanished without leaving (a killed or cut-off process)
    // cannot be deleted until that member's session times out; the broker drops it later itself.
    if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}
