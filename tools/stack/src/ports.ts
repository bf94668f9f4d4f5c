// Where each process listens. The dev launcher uses DESIGN.md's defaults so that the console, curl
// and the tools find everything without configuration; test stacks take a free port for every
// listener so that suites (and a running `npm start`) never collide.
import net from 'node:net';
import { freePort } from '@careline/testing';
import { StackError } from './errors';

export interface StackPorts {
  api: number;
  gateway: number;
  gatewayGrpc: number;
  ingest: number;
  messaging: number;
  messagingGrpc: number;
  scheduling: number;
  schedulingGrpc: number;
  records: number;
  recordsGrpc: number;
  audit: number;
  auditGrpc: number;
  simulator: number;
  /** The staff console's static server. */
  console: number;
}

/** DESIGN.md, "Local defaults". */
export const DEFAULT_PORTS: Readonly<StackPorts> = Object.freeze({
  api: 8080,
  gateway: 8081,
  gatewayGrpc: 50055,
  ingest: 8082,
  messaging: 8083,
  messagingGrpc: 50051,
  scheduling: 8084,
  schedulingGrpc: 50052,
  records: 8085,
  recordsGrpc: 50053,
  audit: 8086,
  auditGrpc: 50054,
  simulator: 8090,
  console: 8087,
});

const PORT_KEYS = Object.keys(DEFAULT_PORTS) as (keyof StackPorts)[];

/** A distinct free port for every listener. */
export async function freePorts(): Promise<StackPorts> {
  const taken = new Set<number>();
  const ports: Partial<StackPorts> = {};
  for (const key of PORT_KEYS) {
    let port = await freePort();
    // The OS rarely hands out the same port twice in a row, but it may.
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[key] = port;
  }
  return ports as StackPorts;
}

/** Fails with one line naming the first port something already listens on. */
export async function assertPortsFree(ports: StackPorts, host: string): Promise<void> {
  for (const key of PORT_KEYS) {
    const port = ports[key];
    if (!(await canListen(host, port))) {
      throw new StackError(
        `port ${port} (${key}) on ${host} is already in use: is another \`npm start\` (or an app) running? Stop it first.`,
      );
    }
  }
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
