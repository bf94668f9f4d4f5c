// The topics a process creates, as the contracts provision them (partitions, topic config and
// dead-letter companions), so that no service or tool keeps its own copy of those numbers.
import { TOPIC_PROVISIONING } from '@careline/contracts';
import { dlqTopic, type TopicSpec } from './kafka';

export interface ContractTopicsOptions {
  /** Topics the process consumes: created with their `.dlq` companions. */
  consumed?: readonly string[];
  /** Topics the process only produces. */
  produced?: readonly string[];
  /** Every contract topic with its `.dlq` (provisioning tools). */
  all?: boolean;
  /** Overrides the main topics' partition count (test stacks use fewer). */
  partitions?: number;
}

export function contractTopicSpecs(options: ContractTopicsOptions): TopicSpec[] {
  const byName = new Map(TOPIC_PROVISIONING.map((entry) => [entry.topic, entry]));
  const mainTopics = TOPIC_PROVISIONING.map((entry) => entry.topic).filter((topic) =>
    byName.has(dlqTopic(topic)),
  );
  const consumed = new Set(options.all === true ? mainTopics : (options.consumed ?? []));
  const wanted = [...new Set([...consumed, ...(options.produced ?? [])])];
  return wanted.map((topic) => {
    const entry = byName.get(topic);
    if (entry === undefined) throw new TypeError(`${topic} is not a contract topic`);
    const dlq = consumed.has(topic);
    return {
      topic,
      numPartitions: options.partitions ?? entry.partitions,
      ...(dlq ? { dlq: true, dlqPartitions: byName.get(dlqTopic(topic))?.partitions ?? 1 } : {}),
      ...(entry.config ? { config: entry.config } : {}),
    };
  });
}
