// How far the stack's consumers are behind: the sum, over every consumer group of the stack's
// topic prefix and every topic its members subscribe to, of (end offset − committed offset). The
// webhook benchmark waits for this to reach zero after each gateway step, so that a step does not
// pay for the ingest and messaging work the previous one left behind, and so that the time the
// downstream needs to catch up is measured too.
import kafkajs from 'kafkajs';

export interface PartitionOffsets {
  partition: number;
  /** Next offset to be written (`high`), as kafkajs gives it: a decimal string. */
  high: string;
  /** First offset still stored. */
  low: string;
}

export interface CommittedOffsets {
  partition: number;
  /** `-1` when the group never committed on the partition. */
  offset: string;
}

/**
 * Records not yet consumed-and-committed on one topic: per partition `high − committed`, or
 * `high − low` when nothing was committed yet (everything still stored is pending).
 */
export function topicLag(ends: readonly PartitionOffsets[], committed: readonly CommittedOffsets[]): number {
  const byPartition = new Map(committed.map((entry) => [entry.partition, BigInt(entry.offset)]));
  let lag = 0n;
  for (const end of ends) {
    const high = BigInt(end.high);
    const done = byPartition.get(end.partition) ?? -1n;
    const from = done < 0n ? BigInt(end.low) : done;
    if (high > from) lag += high - from;
  }
  return Number(lag);
}

export interface LagProbe {
  /** Total lag of the prefix's groups, and per group. */
  lag(): Promise<{ total: number; byGroup: Record<string, number> }>;
  close(): Promise<void>;
}

export async function createLagProbe(brokers: readonly string[], topicPrefix: string): Promise<LagProbe> {
  if (topicPrefix === '') throw new TypeError('createLagProbe: needs the stack topic prefix');
  const kafka = new kafkajs.Kafka({
    brokers: [...brokers],
    clientId: 'careline-bench',
    connectionTimeout: 3_000,
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  await admin.connect();

  const subscribedTopics = (group: kafkajs.GroupDescription): string[] => {
    const topics = new Set<string>();
    for (const member of group.members) {
      const metadata = kafkajs.AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
      for (const topic of metadata?.topics ?? []) topics.add(topic);
    }
    return [...topics];
  };

  return {
    async lag() {
      const { groups } = await admin.listGroups();
      const ours = groups.map((group) => group.groupId).filter((id) => id.startsWith(topicPrefix));
      const byGroup: Record<string, number> = {};
      if (ours.length === 0) return { total: 0, byGroup };
      const described = await admin.describeGroups(ours);
      const ends = new Map<string, PartitionOffsets[]>();
      let total = 0;
      for (const group of described.groups) {
        const topics = subscribedTopics(group);
        if (topics.length === 0) continue;
        const committed = await admin.fetchOffsets({ groupId: group.groupId, topics });
        let groupLag = 0;
        for (const { topic, partitions } of committed) {
          let topicEnds = ends.get(topic);
          if (topicEnds === undefined) {
            topicEnds = await admin.fetchTopicOffsets(topic);
            ends.set(topic, topicEnds);
          }
          groupLag += topicLag(topicEnds, partitions);
        }
        byGroup[group.groupId.slice(topicPrefix.length)] = groupLag;
        total += groupLag;
      }
      return { total, byGroup };
    },
    close: () => admin.disconnect(),
  };
}
