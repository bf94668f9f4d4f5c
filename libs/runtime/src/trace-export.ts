// Optional span export over OTLP/HTTP (JSON), for a tracing backend (Jaeger, Tempo, an
// OpenTelemetry Collector). Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; runMain installs it from the environment.
//
// Why not the OpenTelemetry SDK: Careline already carries W3C trace context in its own
// AsyncLocalStorage (trace.ts) through HTTP, gRPC and Kafka, and the SDK would want to own that
// context (its own context manager and propagators, a second source of truth for "the current
// span"). What is missing is only the export of the units of work that already have span ids, and
// the OTLP/JSON encoding of a finished span is small and stable. So: the edges (HTTP server, gRPC
// handler, Kafka consumer) report each unit of work when it ends, and this file batches and POSTs
// them. A backend then shows the same trace ids as the logs and Kafka headers.
//
// Attributes are route patterns, gRPC method paths, topic names, status codes: never URLs (they
// carry ids), bodies, or anything from a payload. Export is best effort: a full queue drops spans
// (counted), a failed POST drops its batch after logging once per failure streak; nothing waits
// on the backend.
import type { TraceContext } from './trace';

export type SpanKind = 'server' | 'consumer' | 'internal';

export interface FinishedSpan {
  name: string;
  kind: SpanKind;
  context: TraceContext;
  startTimeMs: number;
  endTimeMs: number;
  attributes?: Readonly<Record<string, string | number | boolean>>;
  /** True when the unit of work failed (a 5xx, a gRPC error, a handler that threw). */
  error?: boolean;
}

export interface SpanExporter {
  export(span: FinishedSpan): void;
  /** Sends what is queued now. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  shutdown(): Promise<void>;
  /** Spans dropped because the queue was full or a POST failed. */
  dropped(): number;
}

export interface OtlpExporterOptions {
  /** The traces URL, e.g. `http://collector:4318/v1/traces`. */
  url: string;
  serviceName: string;
  /** Extra request headers (e.g. an API key of the backend). */
  headers?: Readonly<Record<string, string>>;
  /** Spans per POST. Default 256. */
  maxBatch?: number;
  /** Spans kept while the backend is slow; more are dropped. Default 4096. */
  maxQueue?: number;
  /** Default 2000 ms. */
  flushIntervalMs?: number;
  /** Bound of one POST. Default 5000 ms. */
  timeoutMs?: number;
  /** Told once per streak of failed POSTs (a message without span content). */
  onError?: (message: string) => void;
  fetch?: typeof fetch;
}

const KIND_CODE: Record<SpanKind, number> = { internal: 1, server: 2, consumer: 5 };
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function anyValue(value: string | number | boolean): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function nanos(ms: number): string {
  // Milliseconds with a fraction (performance timings) to integer nanoseconds, as a decimal string
  // (OTLP/JSON writes 64-bit integers as strings).
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

/** The OTLP/JSON request body for `spans` of one service. */
export function otlpTraceRequest(serviceName: string, spans: readonly FinishedSpan[]): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [
          {
            scope: { name: '@careline/runtime' },
            spans: spans.map((span) => ({
              traceId: span.context.traceId,
              spanId: span.context.spanId,
              ...(span.context.parentSpanId === undefined ? {} : { parentSpanId: span.context.parentSpanId }),
              flags: Number.parseInt(span.context.flags, 16),
              name: span.name,
              kind: KIND_CODE[span.kind],
              startTimeUnixNano: nanos(span.startTimeMs),
              endTimeUnixNano: nanos(Math.max(span.endTimeMs, span.startTimeMs)),
              attributes: Object.entries(span.attributes ?? {}).map(([key, value]) => ({ key, value: anyValue(value) })),
              status: { code: span.error === true ? STATUS_ERROR : STATUS_UNSET },
            })),
          },
        ],
      },
    ],
  };
}

export function createOtlpExporter(options: OtlpExporterOptions): SpanExporter {
  const maxBatch = options.maxBatch ?? 256;
  const maxQueue = options.maxQueue ?? 4096;
  const send = options.fetch ?? fetch;
  const queue: FinishedSpan[] = [];
  let droppedCount = 0;
  let failing = false;
  let inFlight: Promise<void> = Promise.resolve();

  async function post(batch: FinishedSpan[]): Promise<void> {
    try {
      const response = await send(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(otlpTraceRequest(options.serviceName, batch)),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      failing = false;
    } catch (error) {
      droppedCount += batch.length;
      if (!failing) options.onError?.(`span export to ${options.url} failed: ${error instanceof Error ? error.message : 'unknown error'}`);
      failing = true;
    }
  }

  function drain(): Promise<void> {
    // One POST at a time, in order; each flush waits for the ones before it.
    inFlight = inFlight.then(async () => {
      while (queue.length > 0) await post(queue.splice(0, maxBatch));
    });
    return inFlight;
  }

  const timer = setInterval(() => void drain(), options.flushIntervalMs ?? 2_000);
  // Never the reason a process stays alive.
  timer.unref();

  return {
    export(span) {
      if (queue.length >= maxQueue) {
        droppedCount += 1;
        return;
      }
      queue.push(span);
      if (queue.length >= maxBatch) void drain();
    },
    flush: drain,
    async shutdown() {
      clearInterval(timer);
      await drain();
    },
    dropped: () => droppedCount,
  };
}

/**
 * The exporter the environment asks for (OpenTelemetry's variable names), or undefined when no
 * endpoint is set. `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is the full URL; `OTEL_EXPORTER_OTLP_ENDPOINT`
 * a base to which `/v1/traces` is added. `OTEL_SERVICE_NAME` overrides `defaultServiceName`.
 */
export function otlpExporterFromEnv(
  defaultServiceName: string,
  env: Readonly<Record<string, string | undefined>>,
  onError?: (message: string) => void,
): SpanExporter | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = traces !== undefined && traces !== '' ? traces : base !== undefined && base !== '' ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
  if (url === undefined) return undefined;
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TypeError('OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL');
  }
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || defaultServiceName;
  return createOtlpExporter({ url, serviceName, ...(onError === undefined ? {} : { onError }) });
}
