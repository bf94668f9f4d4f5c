// Preloaded into ONE app process (node --import) by the Kafka-outage test: sends that process's
// Kafka connections through a proxy the test can cut. A plain proxy in KAFKA_BROKERS is not
// enough: the broker advertises its own address (127.0.0.1:9092) in metadata, and kafkajs then
// connects there directly. So every connection to a broker address named in E2E_KAFKA_REDIRECT
// (`host:port=proxyhost:proxyport[,…]`) goes to the proxy instead. kafkajs opens sockets with
// `net.connect({ host, port }, cb)`, looked up at call time, which is what is replaced here.
import net from 'node:net';

const rules = new Map(
  (process.env.E2E_KAFKA_REDIRECT ?? '')
    .split(',')
    .filter((rule) => rule.includes('='))
    .map((rule) => rule.split('=').map((part) => part.trim())),
);

const original = net.connect;

function redirected(...args) {
  const [first] = args;
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    const target = rules.get(`${first.host ?? 'localhost'}:${first.port}`);
    if (target !== undefined) {
      const separator = target.lastIndexOf(':');
      args[0] = { ...first, host: target.slice(0, separator), port: Number(target.slice(separator + 1)) };
    }
  }
  return original.apply(net, args);
}

net.connect = redirected;
net.createConnection = redirected;
