// The baseline of the webhook benchmark: the cheapest endpoint the same stack of software can
// offer — fastify in its own Node process, the body read as a raw buffer, 200 at once. No
// signature check, no sealing, no Kafka. Whatever the gateway costs beyond this is the gateway's;
// what both pay (the loopback, HTTP parsing, the load generator, the shared CPU) cancels in the
// ratios. Run as a child process by ./baseline.ts:
//   BENCH_BASELINE_PORT=… node --import tsx tools/bench/src/baseline-server.ts
import Fastify from 'fastify';

const port = Number(process.env.BENCH_BASELINE_PORT ?? '0');
const host = process.env.BENCH_BASELINE_HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error('baseline: BENCH_BASELINE_PORT must be a port number');
  process.exit(1);
}

const app = Fastify({ logger: false, bodyLimit: 3_670_016 });
// Like the gateway's webhook route: whatever the content type, the body arrives as raw bytes.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/webhooks/whatsapp', (_request, reply) => reply.code(200).send({ status: 'accepted' }));
app.get('/readyz', (_request, reply) => reply.send({ status: 'ok' }));

const close = (): void => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', close);
process.once('SIGINT', close);

app.listen({ port, host }).then(
  (address) => console.log(`baseline listening on ${address}`),
  (error: unknown) => {
    console.error(`baseline: could not listen: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
