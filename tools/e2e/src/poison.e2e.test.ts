// Fault 8 of issue #11: a poison record (bytes that are no CloudEvent) on every topic some service
// consumes. Each consuming group dead-letters it at once to `<topic>.dlq` (untouched, with headers
// saying which group failed and why, zero handler attempts), commits past it so its lag returns to
// zero, and keeps serving: a patient's message written afterwards still reaches the inbox.
// The consumers are discovered from the broker (each group's member assignments), so a service
// that starts consuming a new topic is covered without touching this test.
import { randomBytes, randomUUID } from 'node:crypto';
import { type BusKafka, createKafka, dlqHeaderNames, dlqTopic, logicalTopic } from '@careline/bus';
import { type TopicRecord, readTopic } from '@careline/bus/testing';
import { testEnv, waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { staffClient, textOf } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('poison');

type Admin = ReturnType<BusKafka['client']['admin']>;

/** The topics of a consumer-protocol member assignment (int16 version, [topic, [partition]], user data). */
function assignedTopics(assignment: Buffer): string[] {
  const topics: string[] = [];
  if (assignment.length < 6) return topics;
  let offset = 2;
  const count = assignment.readInt32BE(offset);
  offset += 4;
  for (let i = 0; i < count; i += 1) {
    const length = assignment.readInt16BE(offset);
    offset += 2;
    topics.push(assignment.toString('utf8', offset, offset + length));
    offset += length;
    offset += 4 + 4 * assignment.readInt32BE(offset);
  }
  return topics;
}

/** topic (contract name) → the consumer groups assigned its partitions. */
async function consumersByTopic(admin: Admin, prefix: string): Promise<Map<string, Set<string>>> {
  const { groups } = await admin.listGroups();
  const ours = groups.map((group) => group.groupId).filter((id) => id.startsWith(prefix));
  const described = await admin.describeGroups(ours);
  const byTopic = new Map<string, Set<string>>();
  for (const group of described.groups) {
    for (const member of group.members) {
      for (const physical of assignedTopics(member.memberAssignment)) {
        const topic = physical.slice(prefix.length);
        if (topic.endsWith('.dlq')) continue;
        const set = byTopic.get(topic) ?? new Set<string>();
        set.add(group.groupId);
        byTopic.set(topic, set);
      }
    }
  }
  return byTopic;
}

/** Records on the group's partitions of `topics` not yet committed. */
async function lagOf(admin: Admin, groupId: string, topics: readonly string[]): Promise<number> {
  let lag = 0;
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const offset = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      const from = Number(offset) < 0 ? Number(end.low) : Number(offset);
      lag += Math.max(0, Number(end.high) - from);
    }
  }
  return lag;
}

describe('a poison record on every consumed topic', () => {
  it('is dead-lettered at once by each consuming group, whose lag returns to zero, and patients are still heard', async () => {
    const s = stack();
    const brokers = testEnv().kafkaBrokers.split(',');
    const kafka = createKafka({ brokers, clientId: 'e2e-poison', topicPrefix: s.topicPrefix });
    const admin = kafka.client.admin();
    await admin.connect();
    const producer = kafka.client.producer();
    await producer.connect();
    try {
      // Every service's consumers have joined once each group has partitions of its topics.
      const consumers = await waitFor(
        async () => {
          const found = await consumersByTopic(admin, s.topicPrefix);
          const groups = new Set([...found.values()].flatMap((set) => [...set]));
          return groups.size >= 6 ? found : undefined;
        },
        { message: 'the consumer groups of every service to be assigned', timeoutMs: 60_000 },
      );
      const topics = [...consumers.keys()].sort();
      // the flows of DESIGN.md, at least (more consumers may come; none may go unnoticed)
      expect(topics).toEqual(
        expect.arrayContaining([
          'wa.webhook.received.v1',
          'patient.message.received.v1',
          'wa.message.status.v1',
          'wa.outbound.requested.v1',
          'wa.outbound.result.v1',
          'audit.events.v1',
        ]),
      );

      const run = randomUUID();
      for (const topic of topics) {
        await producer.send({
          topic: `${s.topicPrefix}${topic}`,
          messages: [{ key: `poison:${run}:${topic}`, value: Buffer.concat([Buffer.from('not a cloud event '), randomBytes(64)]) }],
        });
      }

      // The pipeline still flows behind the poison (same partitions or not: a patient is heard).
      const staff = await staffClient(s);
      const waId = randomWaId();
      await s.patientSays(waId, 'after the poison');
      const conversation = await waitFor(() => staff.conversationWith(waId), { message: 'the conversation after the poison', timeoutMs: 30_000 });
      const messages = await staff.messages(conversation.id);
      expect(messages.map(textOf)).toContain('after the poison');

      // Each (topic, group) dead-lettered its poison, untouched, at once (zero handler attempts).
      for (const topic of topics) {
        const groups = consumers.get(topic) ?? new Set<string>();
        const ours = (records: readonly TopicRecord[]) =>
          records.filter((record) => record.key === `poison:${run}:${topic}`);
        const letters = ours(
          await readTopic(kafka, dlqTopic(topic), {
            until: (records) => new Set(ours(records).map((r) => r.headers[dlqHeaderNames.consumerGroup])).size >= groups.size,
            timeoutMs: 30_000,
          }),
        );
        // the header names the group as the service knows it (without the deployment's topic prefix)
        const logicalGroups = new Set([...groups].map((group) => group.slice(s.topicPrefix.length)));
        expect(new Set(letters.map((letter) => letter.headers[dlqHeaderNames.consumerGroup])), topic).toEqual(logicalGroups);
        for (const letter of letters) {
          expect(letter.headers[dlqHeaderNames.sourceTopic], topic).toBe(topic);
          expect(letter.headers[dlqHeaderNames.attempts], topic).toBe('0');
          expect(letter.headers[dlqHeaderNames.errorCode], topic).toBeTruthy();
          expect(letter.value?.subarray(0, 18).toString(), topic).toBe('not a cloud event ');
        }
        expect(logicalTopic(kafka, `${s.topicPrefix}${topic}`)).toBe(topic);
      }

      // …and every group committed past it: no lag left on the topics it consumes.
      for (const group of new Set(topics.flatMap((topic) => [...(consumers.get(topic) ?? [])]))) {
        const consumed = topics.filter((topic) => consumers.get(topic)?.has(group)).map((topic) => `${s.topicPrefix}${topic}`);
        await waitFor(async () => (await lagOf(admin, group, consumed)) === 0, {
          message: `${group} to have no lag after the poison`,
          timeoutMs: 30_000,
        });
      }
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
