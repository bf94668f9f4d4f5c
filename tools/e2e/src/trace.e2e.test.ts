// One trace id followed through real processes: the patient's webhook (gateway) → the raw webhook
// on Kafka → ingest → patient.message.received.v1 → messaging, then the care team's reply sent
// with the patient message's trace (what the console does) → api → messaging → the send command →
// gateway's Graph call → the result event. The read receipt is a webhook of its own and so a trace
// of its own (Meta sends no trace context): messaging names the message's trace on it as a link.
// Evidence comes from where an operator would look: Kafka headers, the JSON process logs, and the
// spans every process exports over OTLP/HTTP to a small receiver in this test (the same tree of
// parent links a tracing backend would draw).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKafka } from '@careline/bus';
import { type TopicRecord, readTopic } from '@careline/bus/testing';
import {
  type EventDescriptor,
  TOPICS,
  outboundRequestedEvent,
  outboundResultEvent,
  patientMessageReceivedEvent,
} from '@careline/contracts';
import { parseTraceparent } from '@careline/runtime';
import { type AppName, type Stack, expectStatus, requestJson } from '@careline/stack';
import { testEnv, waitFor } from '@careline/testing';
import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageSchema, staffClient, textOf } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

// An OTLP/HTTP receiver: every process of the stack exports its spans here.
const exported: ExportedSpan[] = [];
const receiver = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  request.on('end', () => {
    const parsed = z
      .object({
        resourceSpans: z.array(
          z.object({
            resource: z.object({ attributes: z.array(z.object({ key: z.string(), value: z.object({ stringValue: z.string() }) })) }),
            scopeSpans: z.array(
              z.object({
                spans: z.array(
                  z.object({ traceId: z.string(), spanId: z.string(), parentSpanId: z.string().optional(), name: z.string() }),
                ),
              }),
            ),
          }),
        ),
      })
      .safeParse(JSON.parse(body));
    if (parsed.success) {
      for (const resource of parsed.data.resourceSpans) {
        const service = resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const scope of resource.scopeSpans) for (const span of scope.spans) exported.push({ service, ...span });
      }
    }
    response.writeHead(parsed.success ? 200 : 400, { 'content-type': 'application/json' }).end('{}');
  });
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const stack = useStack('trace', async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` };
  return { env: { gateway: otel, ingest: otel, messaging: otel, api: otel } };
});

const TracedMessage = MessageSchema.extend({ traceId: z.string().regex(/^[0-9a-f]{32}$/) });

type LogLine = Record<string, unknown>;

/** The JSON lines of an app's log so far (the process output also holds a few non-JSON lines). */
function logLines(s: Stack, app: AppName): LogLine[] {
  return s
    .app(app)
    .logs()
    .split('\n')
    .flatMap((line): LogLine[] => {
      if (!line.startsWith('{')) return [];
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed === 'object' && parsed !== null ? [parsed as LogLine] : [];
      } catch {
        return [];
      }
    });
}

async function logLine(s: Stack, app: AppName, what: string, match: (line: LogLine) => boolean): Promise<LogLine> {
  return waitFor(() => logLines(s, app).find(match), { message: `${app} to log ${what}`, timeoutMs: 15_000 });
}

function traceIdOf(record: TopicRecord): string | undefined {
  return parseTraceparent(record.headers['traceparent'])?.traceId;
}

/** The records of `topic` whose payload names `messageId`, once there is one. */
async function recordsFor<T extends { messageId: string }>(
  s: Stack,
  descriptor: EventDescriptor<T>,
  messageId: string,
): Promise<TopicRecord[]> {
  const kafka = createKafka({
    brokers: testEnv().kafkaBrokers.split(','),
    clientId: 'e2e-trace-reader',
    topicPrefix: s.topicPrefix,
  });
  const names = (record: TopicRecord) =>
    record.value !== null && descriptor.decode(record.value).messageId === messageId;
  const records = await readTopic(kafka, descriptor.topic, { until: (read) => read.some(names) });
  return records.filter(names);
}

describe('one trace from the patient webhook to the staff reply and its read receipt', () => {
  it('carries the webhook trace through gateway, ingest and messaging, and the reply continues it', async () => {
    const s = stack();
    await s.simulator.updateSettings({ status_delays_ms: { read: null } });
    const staff = await staffClient(s);
    const waId = randomWaId();
    await s.patientSays(waId, 'Is my appointment still on?');

    // 1. The patient message as the care team sees it names its trace.
    const conversation = await waitFor(() => staff.conversationWith(waId), {
      message: 'the conversation to be listed',
      timeoutMs: 15_000,
    });
    const inbound = await waitFor(
      async () => {
        const response = await staff.listMessages(conversation.id);
        const page = expectStatus(response, 200, z.object({ items: z.array(TracedMessage) }), 'list messages');
        return page.items.find((m) => m.direction === 'inbound');
      },
      { message: 'the patient message with its trace id' },
    );
    const trace = inbound.traceId;

    // 2. The gateway started that trace: its raw-webhook event carries it, and it logged under it.
    const kafka = createKafka({ brokers: testEnv().kafkaBrokers.split(','), clientId: 'e2e-trace', topicPrefix: s.topicPrefix });
    const raw = await readTopic(kafka, TOPICS.webhookReceived, {
      until: (records) => records.some((record) => traceIdOf(record) === trace),
    });
    const webhookEvents = raw.filter((record) => traceIdOf(record) === trace);
    expect(webhookEvents).toHaveLength(1);
    const webhookEventId = webhookEvents[0]?.headers['ce_id'];
    await logLine(s, 'gateway', 'the webhook published under the trace', (l) => l['msg'] === 'webhook published' && l['trace_id'] === trace);

    // 3. Ingest continued it: its log line for that event, and the event it emitted.
    await logLine(
      s,
      'ingest',
      'the webhook ingested under the trace',
      (l) => l['msg'] === 'webhook ingested' && l['eventId'] === webhookEventId && l['trace_id'] === trace,
    );
    const patientEvents = await recordsFor(s, patientMessageReceivedEvent, inbound.id);
    expect(patientEvents.map(traceIdOf)).toEqual([trace]);

    // 4. Messaging continued it when it stored the message.
    await logLine(
      s,
      'messaging',
      'the patient message stored under the trace',
      (l) => l['msg'] === 'patient message stored' && l['message_id'] === inbound.id && l['trace_id'] === trace,
    );

    // 5. The reply, sent as the console does: under the trace of the message it answers.
    const replyText = `We will see you at 10 (${randomBytes(4).toString('hex')})`;
    const consoleSpan = randomBytes(8).toString('hex');
    const posted = await requestJson('POST', `${s.urls.api}/v1/conversations/${conversation.id}/messages`, {
      headers: { authorization: `Bearer ${staff.token}`, traceparent: `00-${trace}-${consoleSpan}-01` },
      body: { text: replyText, idempotencyKey: `trace-${consoleSpan}` },
    });
    const reply = expectStatus(posted, 202, TracedMessage, 'send the reply');
    expect(reply.traceId).toBe(trace);
    expect(parseTraceparent(posted.headers.get('traceparent'))?.traceId).toBe(trace);
    await logLine(s, 'api', 'the reply request under the trace', (l) => l['msg'] === 'request completed' && l['method'] === 'POST' && l['trace_id'] === trace);
    await logLine(
      s,
      'messaging',
      'the reply queued under the trace',
      (l) => l['msg'] === 'reply queued' && l['message_id'] === reply.id && l['trace_id'] === trace,
    );

    // 6. The send command, the gateway's Graph call and the result all carry it.
    expect((await recordsFor(s, outboundRequestedEvent, reply.id)).map(traceIdOf)).toEqual([trace]);
    await logLine(
      s,
      'gateway',
      'the Graph call accepted under the trace',
      (l) => l['msg'] === 'message accepted by Meta' && l['message_id'] === reply.id && l['trace_id'] === trace,
    );
    expect((await recordsFor(s, outboundResultEvent, reply.id)).map(traceIdOf)).toEqual([trace]);
    const received = await waitFor(
      async () => (await s.simulator.inbox(waId)).find((entry) => JSON.stringify(entry.content).includes(replyText)),
      { message: 'the reply on the patient phone' },
    );
    expect(received.type).toBe('text');

    // 7. The read receipt: its own trace (a new webhook), linked to the reply's by messaging.
    await s.simulator.patientReads(waId);
    const applied = await logLine(
      s,
      'messaging',
      'the read status applied with a link to the reply trace',
      (l) => l['msg'] === 'status applied' && l['message_id'] === reply.id && l['status'] === 'read',
    );
    expect(applied['message_trace_id']).toBe(trace);
    expect(applied['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(applied['trace_id']).not.toBe(trace);
    const latest = await staff.messages(conversation.id);
    expect(latest.find((m) => textOf(m) === replyText)?.status.state).toBe('read');

    // 8. The exported spans of the trace form one tree: every span's parent is another span of the
    // trace, except the gateway's webhook request (the root: Meta sends no trace context) and the
    // api request (its parent is the console's span, which the console did not export).
    const expected = [
      'gateway POST /webhooks/whatsapp',
      'ingest wa.webhook.received.v1 process',
      'messaging patient.message.received.v1 process',
      'api POST /v1/conversations/:id/messages',
      'messaging /careline.messaging.v1.MessagingService/SendText',
      'gateway wa.outbound.requested.v1 process',
      'messaging wa.outbound.result.v1 process',
    ];
    const spans = await waitFor(
      () => {
        const ofTrace = exported.filter((span) => span.traceId === trace);
        const names = new Set(ofTrace.map((span) => `${span.service} ${span.name}`));
        return expected.every((name) => names.has(name)) ? ofTrace : undefined;
      },
      { message: 'the spans of every hop to be exported', timeoutMs: 15_000 },
    );
    const ids = new Set(spans.map((span) => span.spanId));
    const orphans = spans.filter((span) => span.parentSpanId === undefined || !ids.has(span.parentSpanId));
    expect(orphans.map((span) => `${span.service} ${span.name}`).sort()).toEqual(['api POST /v1/conversations/:id/messages', 'gateway POST /webhooks/whatsapp']);
    expect(orphans.find((span) => span.service === 'api')?.parentSpanId).toBe(consoleSpan);
    const named = (name: string) => spans.find((span) => `${span.service} ${span.name}` === name);
    // the hops in order: webhook → ingest → messaging; api → SendText → gateway send → result
    expect(named('ingest wa.webhook.received.v1 process')?.parentSpanId).toBe(named('gateway POST /webhooks/whatsapp')?.spanId);
    expect(named('messaging patient.message.received.v1 process')?.parentSpanId).toBe(named('ingest wa.webhook.received.v1 process')?.spanId);
    expect(named('messaging /careline.messaging.v1.MessagingService/SendText')?.parentSpanId).toBe(
      named('api POST /v1/conversations/:id/messages')?.spanId,
    );
    expect(named('gateway wa.outbound.requested.v1 process')?.parentSpanId).toBe(
      named('messaging /careline.messaging.v1.MessagingService/SendText')?.spanId,
    );
    expect(named('messaging wa.outbound.result.v1 process')?.parentSpanId).toBe(named('gateway wa.outbound.requested.v1 process')?.spanId);

    // 9. Every log line made while handling an event or a call carries its trace and span.
    for (const app of ['gateway', 'ingest', 'messaging', 'api'] as const) {
      const scoped = logLines(s, app).filter(
        (l) => l['eventId'] !== undefined || l['event_id'] !== undefined || l['msg'] === 'request completed',
      );
      expect(scoped.length, `${app} logged work under a trace`).toBeGreaterThan(0);
      const untraced = scoped.filter((l) => typeof l['trace_id'] !== 'string' || typeof l['span_id'] !== 'string');
      expect(untraced.map((l) => l['msg']), `${app} lines without trace`).toEqual([]);
    }
  });
});
