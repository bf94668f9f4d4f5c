// The load generator: signed webhook bodies POSTed over keep-alive HTTP/1.1 connections on the
// open-loop schedule, and the summary of one step (accepted per second, errors by kind, latency).
// The baseline and the gateway go through exactly this code with exactly the same bodies, so the
// generator's own cost (which shares the machine's two cores) is in both and cancels in the ratios.
import http from 'node:http';
import { type OpenLoopResult, type Outcome, runOpenLoop } from './open-loop';
import { type LatencySummary, perSecond, summarizeLatencies } from './stats';

/** One webhook as Meta sends it: the exact bytes and their `X-Hub-Signature-256`. */
export interface SignedBody {
  body: Uint8Array;
  signature: string;
}

export interface HttpPoster {
  /** POSTs `request`; resolves to the HTTP status once the whole answer was read. */
  post(request: SignedBody): Promise<number>;
  /** TCP connections opened so far (keep-alive should keep this near the peak concurrency). */
  connectionsOpened(): number;
  /** Closes the idle connections. */
  close(): void;
}

export interface HttpPosterOptions {
  /** Full URL of the endpoint (http only: the benchmark stays on loopback). */
  url: string;
  /** Connection pool size; also the most requests on the wire at once. */
  maxSockets: number;
  /** A request not answered within this is destroyed and counted as `timeout`. */
  timeoutMs: number;
}

/** Thrown (as the rejection) when a request took longer than `timeoutMs`. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'timeout';
}

export function createHttpPoster(options: HttpPosterOptions): HttpPoster {
  const url = new URL(options.url);
  if (url.protocol !== 'http:')
    throw new TypeError('createHttpPoster: only http: URLs (loopback benchmarks)');
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' });
  // A socket seen for the first time is a new connection; a reused keep-alive one is not.
  const seen = new WeakSet<object>();
  let opened = 0;

  return {
    post(request) {
      return new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            path: `${url.pathname}${url.search}`,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'content-length': String(request.body.byteLength),
              'user-agent': 'facebookexternalua',
              'x-hub-signature-256': request.signature,
            },
          },
          (res) => {
            // Read the whole answer so that the connection goes back to the pool.
            res.on('data', () => undefined);
            res.once('end', () => {
              clearTimeout(timer);
              resolve(res.statusCode ?? 0);
            });
            res.once('error', (error) => {
              clearTimeout(timer);
              reject(error);
            });
          },
        );
        const timer = setTimeout(
          () => req.destroy(new RequestTimeoutError('request timed out')),
          options.timeoutMs,
        );
        req.once('socket', (socket) => {
          if (!seen.has(socket)) {
            seen.add(socket);
            opened += 1;
          }
        });
        req.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        req.end(request.body);
      });
    },
    connectionsOpened: () => opened,
    close: () => agent.destroy(),
  };
}

export interface StepOptions {
  poster: HttpPoster;
  /** Request i sends `bodies[i]`; needs at least `requestCount(rate, duration)` of them. */
  bodies: readonly SignedBody[];
  ratePerSecond: number;
  durationMs: number;
  maxInFlight: number;
}

export function runHttpStep(options: StepOptions): Promise<OpenLoopResult<number>> {
  const { poster, bodies } = options;
  return runOpenLoop({
    ratePerSecond: options.ratePerSecond,
    durationMs: options.durationMs,
    maxInFlight: options.maxInFlight,
    send: (index) => {
      const body = bodies[index];
      if (body === undefined) return Promise.reject(new RangeError(`no body prepared for request ${index}`));
      return poster.post(body);
    },
  });
}

/** What became of one request: `ok` (HTTP 200), `http_<status>`, `shed`, `timeout` or a socket error code. */
export function outcomeKind(outcome: Outcome<number>): string {
  switch (outcome.kind) {
    case 'done':
      return outcome.value === 200 ? 'ok' : `http_${outcome.value}`;
    case 'shed':
      return 'shed';
    case 'failed': {
      const error = outcome.error;
      if (error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
        return error.code;
      }
      return 'error';
    }
  }
}

export interface StepSummary {
  offeredPerSecond: number;
  /** Requests scheduled in the step. */
  requests: number;
  /** HTTP 200 answers. */
  accepted: number;
  /** HTTP 200 answers per second, over the step from its start until its last request settled. */
  acceptedPerSecond: number;
  /** Everything that was not a 200, by kind (`http_503`, `shed`, `timeout`, `ECONNRESET`, …). */
  errors: Record<string, number>;
  /** From due time to the end of the 200 answer, of the accepted requests only (ms). */
  latency: LatencySummary;
  elapsedMs: number;
  /** How far the scheduler fell behind the schedule at worst (ms): a large value means the generator itself was starved. */
  maxSendLagMs: number;
}

export function summarizeStep(result: OpenLoopResult<number>, offeredPerSecond: number): StepSummary {
  const errors: Record<string, number> = {};
  const latencies: number[] = [];
  for (const outcome of result.outcomes) {
    const kind = outcomeKind(outcome);
    if (kind === 'ok' && outcome.kind === 'done') latencies.push(outcome.finishedAt - outcome.dueAt);
    else errors[kind] = (errors[kind] ?? 0) + 1;
  }
  const elapsedMs = result.finishedAt - result.startedAt;
  return {
    offeredPerSecond,
    requests: result.outcomes.length,
    accepted: latencies.length,
    acceptedPerSecond: perSecond(latencies.length, elapsedMs),
    errors,
    latency: summarizeLatencies(latencies),
    elapsedMs,
    maxSendLagMs: result.maxSendLagMs,
  };
}

/** `http_503: 12, shed: 3` (or `none`), largest first. */
export function formatErrors(errors: Record<string, number>): string {
  const entries = Object.entries(errors).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? 'none' : entries.map(([kind, count]) => `${kind}: ${count}`).join(', ');
}
