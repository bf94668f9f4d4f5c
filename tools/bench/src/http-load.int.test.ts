// The load generator against a real HTTP server on loopback: keep-alive connections, the exact
// bytes and signature on the wire, statuses and timeouts counted.
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type SignedBody, createHttpPoster, runHttpStep, summarizeStep } from './http-load';

interface Received {
  body: Buffer;
  signature: string | undefined;
}

async function startServer(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
  const received: Received[] = [];
  let connections = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const signature = request.headers['x-hub-signature-256'];
      received.push({
        body: Buffer.concat(chunks),
        signature: typeof signature === 'string' ? signature : undefined,
      });
      answer(request, response);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/whatsapp`,
    received,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const bodies = (count: number): SignedBody[] =>
  Array.from({ length: count }, (_, index) => ({
    body: new TextEncoder().encode(`{"n":${index},"text":"\\u00fc"}`),
    signature: `sha256=${index.toString(16).padStart(64, '0')}`,
  }));

describe('createHttpPoster + runHttpStep', () => {
  it('POSTs the exact bytes and signatures over a few keep-alive connections', async () => {
    const server = await startServer((_request, response) =>
      response.writeHead(200).end('{"status":"accepted"}'),
    );
    cleanups.push(server.close);
    const poster = createHttpPoster({ url: server.url, maxSockets: 8, timeoutMs: 5_000 });
    cleanups.push(() => poster.close());
    const sent = bodies(100);

    const summary = summarizeStep(
      // every request may be in flight (nothing shed however slow a loaded machine is): the pool's
      // 8 sockets, not the step, bound the connections here
      await runHttpStep({ poster, bodies: sent, ratePerSecond: 500, durationMs: 200, maxInFlight: 100 }),
      500,
    );

    expect(summary).toMatchObject({ requests: 100, accepted: 100, errors: {} });
    expect(summary.latency.count).toBe(100);
    const byBody = new Map(server.received.map((entry) => [entry.body.toString('utf8'), entry.signature]));
    for (const { body, signature } of sent)
      expect(byBody.get(Buffer.from(body).toString('utf8'))).toBe(signature);
    // connections are reused: never more than the pool, and the poster counts them like the server
    expect(server.connections()).toBeLessThanOrEqual(8);
    expect(poster.connectionsOpened()).toBe(server.connections());
  });

  it('counts refusals by status', async () => {
    let calls = 0;
    const server = await startServer((_request, response) => {
      calls += 1;
      response.writeHead(calls % 2 === 0 ? 503 : 200).end();
    });
    cleanups.push(server.close);
    const poster = createHttpPoster({ url: server.url, maxSockets: 4, timeoutMs: 5_000 });
    cleanups.push(() => poster.close());

    const summary = summarizeStep(
      await runHttpStep({ poster, bodies: bodies(20), ratePerSecond: 200, durationMs: 100, maxInFlight: 4 }),
      200,
    );
    expect(summary.accepted + (summary.errors.http_503 ?? 0)).toBe(20);
    expect(summary.errors.http_503).toBe(10);
  });

  it('gives up on a request not answered within the timeout and counts it as timeout', async () => {
    const server = await startServer(() => {
      // never answers
    });
    cleanups.push(server.close);
    const poster = createHttpPoster({ url: server.url, maxSockets: 2, timeoutMs: 150 });
    cleanups.push(() => poster.close());

    const began = performance.now();
    const summary = summarizeStep(
      await runHttpStep({ poster, bodies: bodies(2), ratePerSecond: 100, durationMs: 20, maxInFlight: 2 }),
      100,
    );
    expect(summary.errors).toEqual({ timeout: 2 });
    expect(performance.now() - began).toBeLessThan(2_000);
  });

  it('refuses anything but plain http', () => {
    expect(() => createHttpPoster({ url: 'https://example.org/', maxSockets: 1, timeoutMs: 1 })).toThrow(
      TypeError,
    );
  });
});
