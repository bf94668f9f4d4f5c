// W3C Trace Context (https://www.w3.org/TR/trace-context/) without OpenTelemetry: enough to
// follow one patient message across HTTP, gRPC and Kafka in the logs. The header format is the
// standard one, so an OpenTelemetry propagator can take over later without changing the wire.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { FinishedSpan, SpanExporter, SpanKind } from './trace-export';

/** The header (HTTP), metadata key (gRPC) and Kafka header that carries the context. */
export const TRACEPARENT_HEADER = 'traceparent';

export interface TraceContext {
  /** 32 lowercase hex characters, never all zeros. */
  readonly traceId: string;
  /** This unit of work's span id: 16 lowercase hex characters, never all zeros. */
  readonly spanId: string;
  /** The caller's span id, when the context was continued from a traceparent. */
  readonly parentSpanId?: string;
  /** trace-flags, two hex characters (`01` = sampled). */
  readonly flags: string;
}

// The one process-wide store: AsyncLocalStorage only works if every reader and writer share the
// same instance, so this is deliberately module state (and holds nothing but the current context).
const storage = new AsyncLocalStorage<TraceContext>();

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

function randomId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex');
    // An all-zero id is invalid per the spec; the loop practically never repeats.
    if (!/^0+$/.test(id)) return id;
  }
}

export function newTraceId(): string {
  return randomId(16);
}

export function newSpanId(): string {
  return randomId(8);
}

/** Parses a `traceparent` header; undefined when absent or invalid (callers then start a new trace). */
export function parseTraceparent(header: string | undefined | null): TraceContext | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === undefined || traceId === undefined || spanId === undefined || flags === undefined) return undefined;
  // Version ff is forbidden; version 00 has exactly four fields, later versions may append more.
  if (version === 'ff') return undefined;
  if (version === '00' && rest !== undefined) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags}`;
}

/** A fresh root context (sampled, so a later OpenTelemetry parent-based sampler keeps it). */
export function newTraceContext(): TraceContext {
  return { traceId: newTraceId(), spanId: newSpanId(), flags: '01' };
}

/** A new `traceparent` for a new trace. */
export function newTraceparent(): string {
  return formatTraceparent(newTraceContext());
}

/** The context for work done on behalf of `traceparent`: same trace, new span; a new trace if it is missing or invalid. */
export function childTraceContext(traceparent: string | undefined | null): TraceContext {
  const parent = parseTraceparent(traceparent);
  if (!parent) return newTraceContext();
  return { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.spanId, flags: parent.flags };
}

/**
 * Runs `fn` inside a child span of `traceparent` (or a new trace when it is missing or invalid).
 * Everything `fn` awaits or schedules sees that context through `currentTrace*()`.
 */
export function runWithTrace<T>(traceparent: string | undefined | null, fn: () => T): T {
  return storage.run(childTraceContext(traceparent), fn);
}

/** Runs `fn` with exactly this context (no new span); for code that already made one. */
export function runWithTraceContext<T>(context: TraceContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** The `traceparent` to send on outgoing calls and events, or undefined outside any trace. */
export function currentTraceparent(): string | undefined {
  const context = storage.getStore();
  return context ? formatTraceparent(context) : undefined;
}

export function currentTraceId(): string | undefined {
  return storage.getStore()?.traceId;
}

// Where finished units of work go when span export is on (trace-export.ts). Process-wide like the
// store above: every edge of the process reports to the one exporter runMain installed.
let exporter: SpanExporter | undefined;

/** Installs the process's span exporter (runMain does, from OTEL_* variables); undefined removes it. */
export function setSpanExporter(next: SpanExporter | undefined): void {
  exporter = next;
}

/** Reports a finished unit of work; nothing happens without an exporter. */
export function recordSpan(span: FinishedSpan): void {
  exporter?.export(span);
}

export interface SpanDescription {
  name: string;
  kind: SpanKind;
  /** Route patterns, method paths, topic names: never ids from a URL, bodies or payload content. */
  attributes?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * {@link runWithTrace} for an asynchronous unit of work that is also reported as a span when it
 * settles (failed when it rejects), if an exporter is installed.
 */
export function runInSpan<T>(traceparent: string | undefined | null, span: SpanDescription, fn: () => Promise<T>): Promise<T> {
  const context = childTraceContext(traceparent);
  const startTimeMs = Date.now();
  return storage.run(context, async () => {
    try {
      const result = await fn();
      recordSpan({ ...span, context, startTimeMs, endTimeMs: Date.now() });
      return result;
    } catch (error) {
      recordSpan({ ...span, context, startTimeMs, endTimeMs: Date.now(), error: true });
      throw error;
    }
  });
}
