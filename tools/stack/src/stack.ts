// startStack: the whole system as real processes, the same way for `npm start` and for the
// end-to-end tests. Order: database and roles → topics → files → simulator → gateway, ingest,
// messaging (together) → api → the simulator's webhook verification handshake. stop() goes the
// other way and removes what an ephemeral (test) stack created.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StartedProcess, startProcess, uniqueName } from '@careline/testing';
import { z } from 'zod';
import { prepareDatabase, type StackDatabase } from './database';
import { APP_NAMES, type AppName, type ProcessEnv, appEnv, urlOf } from './env';
import { StackError } from './errors';
import { expectStatus, requestJson } from './http';
import { assertPortsFree, freePorts, type StackPorts } from './ports';
import { generateSeed, seedDirectory, type StackSeed } from './seed';
import {
  type PatientMessageResult,
  type PatientSaysOptions,
  type SimulatorClient,
  createSimulatorClient,
} from './simulator';
import { type StateFiles, writeStateFiles } from './state';
import { provisionTopics, removeTopics } from './topics';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const BUILD_COMMAND = 'npx nx run-many -t build';

export interface StackOptions {
  /** Superuser URL of the Postgres server (ensureInfra or the test global setup). */
  databaseUrl: string;
  /** `host:port[,host:port]`. */
  kafkaBrokers: string;
  /** Prepended to every topic and consumer group. Default: a random one per stack; dev passes ''. */
  topicPrefix?: string;
  /** Partitions of each main topic. Default: TOPIC_PROVISIONING's; test stacks pass fewer. */
  topicPartitions?: number;
  /**
   * A persistent database (created when missing, kept by stop()). Default: a fresh database
   * that stop() drops, and the stack's topics and consumer groups are deleted with it.
   */
  database?: string;
  /** Default: a free port for every listener. */
  ports?: StackPorts;
  /** Listen address of every process. Default 127.0.0.1: the dev issuer must not face a network. */
  host?: string;
  /** Where generated files go (channel registry, master key, dev-auth key). Default: a temp dir stop() removes. */
  stateDir?: string;
  /** LOG_LEVEL of every process. Default `info`. */
  logLevel?: string;
  /** Which processes to start. Default: all. */
  apps?: readonly AppName[];
  /** Default: a new random demo hospital. */
  seed?: StackSeed;
  /** Names the processes and their log files (`<label>.<app>-<time>.log`). Default `stack`. */
  label?: string;
  /** Extra variables per app (override the stack's; `undefined` removes one). */
  env?: Partial<Record<AppName, ProcessEnv>>;
  /** Extra node options per app, before the bundle (e.g. `--import` of a test preload). */
  nodeArgs?: Partial<Record<AppName, readonly string[]>>;
  /** Where the bundles are. Default `<repo>/dist/apps`. */
  distDir?: string;
  /** Per process. Default 60 s (the machine is small and shared). */
  readyTimeoutMs?: number;
  /** The Graph API version the gateway calls. Default `v21.0`. */
  graphApiVersion?: string;
  /** Progress lines ("database careline_test_… ready"). Default: none. */
  log?: (line: string) => void;
}

export interface StackUrls {
  api: string;
  apiDocs: string;
  openapi: string;
  gateway: string;
  /** The gateway's Meta webhook endpoint (what the simulator posts to). */
  webhook: string;
  /** `host:port` */
  gatewayGrpc: string;
  ingest: string;
  messaging: string;
  /** `host:port` */
  messagingGrpc: string;
  /** scheduling's HTTP port (health, metrics); optional for the same reason as `audit`. */
  scheduling?: string;
  /** `host:port` of SchedulingService (optional for the same reason as `audit`). */
  schedulingGrpc?: string;
  /** records' HTTP port: health, metrics and the patient-facing release page (`/r/<token>`). */
  records?: string;
  /** `host:port` of RecordsService. */
  recordsGrpc?: string;
  /**
   * The audit service's HTTP port: queries, verify, export, checkpoints, public key (`/v1/audit/...`).
   * Always set by startStack; optional only so that hand-written StackUrls (tools/dev's banner
   * test) keep compiling until they list it.
   */
  audit?: string;
  /** `host:port` of AuditService (optional for the same reason as `audit`). */
  auditGrpc?: string;
  simulator: string;
  simulatorControl: string;
  /** The staff console (sign in with the development issuer). Optional for the same reason as `audit`. */
  console?: string;
}

export interface MintTokenRequest {
  /** Default: the seed's staff roles. */
  roles?: readonly string[];
  /** Default: the seed's tenant. */
  tenantId?: string;
  /** Default: the seed's staff subject. */
  subject?: string;
  name?: string;
  /** Default: the api's (1 h); at most a day. */
  ttlSeconds?: number;
}

export interface Stack {
  readonly label: string;
  readonly seed: StackSeed;
  readonly ports: StackPorts;
  readonly topicPrefix: string;
  readonly database: { name: string; adminUrl: string };
  readonly files: StateFiles;
  readonly urls: StackUrls;
  readonly apps: readonly AppName[];
  readonly simulator: SimulatorClient;
  /** The handle of a started app (stop, kill9, restart, logs); throws for one not started. */
  app(name: AppName): StartedProcess;
  /** A bearer token from the api's development issuer (`POST /dev/token`). */
  mintToken(request?: MintTokenRequest): Promise<string>;
  /** A simulated patient writes to the seed's number; resolves when the simulator queued the webhook. */
  patientSays(waId: string, text: string, options?: PatientSaysOptions): Promise<PatientMessageResult>;
  /** The last lines of every process's log, with the log files: what to print when a test fails. */
  logReport(lines?: number): string;
  /** Stops the processes in reverse order; an ephemeral stack also drops its database and topics. Idempotent. */
  stop(): Promise<void>;
}

/** The order processes start in; they stop in the reverse. Apps in one group start together. */
const START_GROUPS: readonly (readonly AppName[])[] = [
  ['wa-simulator'],
  ['gateway', 'ingest', 'messaging', 'scheduling', 'records', 'audit'],
  ['api'],
  // the console's server needs nothing else to start; last, so that the banner's URL works at once
  ['console'],
];

export function bundlePath(app: AppName, distDir = path.join(repoRoot, 'dist', 'apps')): string {
  return path.join(distDir, app, 'main.js');
}

/** Fails with one line naming the missing bundles and the command that builds them. */
export function assertBundles(apps: readonly AppName[], distDir?: string): void {
  const missing = apps.filter((app) => !existsSync(bundlePath(app, distDir)));
  if (missing.length > 0) {
    const where = missing.map((app) => path.relative(process.cwd(), bundlePath(app, distDir))).join(', ');
    throw new StackError(
      `missing app bundle${missing.length > 1 ? 's' : ''} ${where}: run \`${BUILD_COMMAND}\` first`,
    );
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const apps = APP_NAMES.filter((app) => (options.apps ?? APP_NAMES).includes(app));
  assertBundles(apps, options.distDir);
  const log = options.log ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  const label = options.label ?? 'stack';
  const ephemeral = options.database === undefined;
  const topicPrefix = options.topicPrefix ?? `${uniqueName('stack')}.`;
  const seed = options.seed ?? generateSeed();
  const brokers = options.kafkaBrokers
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');

  const ports = options.ports ?? (await freePorts());
  if (options.ports !== undefined) await assertPortsFree(ports, host);

  const cleanups: { what: string; run: () => Promise<void> }[] = [];
  const started = new Map<AppName, StartedProcess>();
  let stopped: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const errors: unknown[] = [];
      const began = Date.now();
      for (const group of [...START_GROUPS].reverse()) {
        const handles = group.flatMap((app) => started.get(app) ?? []);
        const results = await Promise.allSettled(handles.map((handle) => handle.stop('SIGTERM', 15_000)));
        for (const result of results) if (result.status === 'rejected') errors.push(result.reason);
      }
      if (started.size > 0) log(`processes stopped in ${Date.now() - began} ms`);
      for (const { what, run } of cleanups.reverse()) {
        const cleanupBegan = Date.now();
        try {
          await run();
          log(`${what} in ${Date.now() - cleanupBegan} ms`);
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0) throw errors[0];
    })();
    return stopped;
  };

  try {
    const stateDir = options.stateDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'careline-stack-')));
    if (options.stateDir === undefined)
      cleanups.push({
        what: 'state dir removed',
        run: () => fs.rm(stateDir, { recursive: true, force: true }),
      });

    const database = await prepareDatabase(options.databaseUrl, options.database);
    if (ephemeral)
      cleanups.push({ what: `database ${database.name} dropped`, run: () => database.release() });
    log(`database ${database.name} ready (roles ${Object.keys(database.serviceUrls).join(', ')})`);

    await provisionTopics(brokers, topicPrefix, options.topicPartitions);
    if (ephemeral && topicPrefix !== '')
      cleanups.push({
        what: `topics ${topicPrefix}* removed`,
        run: () => removeTopics(brokers, topicPrefix),
      });
    log(`kafka topics ready${topicPrefix === '' ? '' : ` (prefix ${topicPrefix})`}`);

    const urls = stackUrls(host, ports);
    const files = await writeStateFiles(stateDir, seed, urls.webhook);
    const ctx = {
      host,
      ports,
      logLevel: options.logLevel ?? 'info',
      kafkaBrokers: brokers.join(','),
      topicPrefix,
      serviceUrls: database.serviceUrls,
      files,
      seed,
      graphApiVersion: options.graphApiVersion ?? 'v21.0',
      authAudience: 'careline-api',
    };

    const launch = async (app: AppName): Promise<void> => {
      const began = Date.now();
      const handle = await startProcess({
        name: `${label}.${app}`,
        command: process.execPath,
        args: ['--enable-source-maps', ...(options.nodeArgs?.[app] ?? []), bundlePath(app, options.distDir)],
        env: { ...appEnv(app, ctx), ...options.env?.[app] },
        cwd: repoRoot,
        readyUrl: `${httpUrlOf(app, urls)}/readyz`,
        readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
      });
      started.set(app, handle);
      log(`${app} ready in ${Date.now() - began} ms (pid ${handle.pid})`);
    };

    for (const group of START_GROUPS) {
      const results = await Promise.allSettled(group.filter((app) => apps.includes(app)).map(launch));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }

    if (apps.includes('messaging') && apps.includes('gateway')) {
      // The demo hospital through the onboarding path (GATEWAY_CHANNELS stays as a bootstrap).
      await seedDirectory(seed, { messagingGrpc: urls.messagingGrpc, gatewayGrpc: urls.gatewayGrpc });
      log('demo hospital onboarded (tenant, channel, team, staff)');
    }

    const simulator = createSimulatorClient(urls.simulator, seed.whatsapp.phoneNumberId);
    if (apps.includes('wa-simulator') && apps.includes('gateway')) {
      // Meta's handshake: the simulator calls GET /webhooks/whatsapp with the verify token.
      const verification = await simulator.verifyWebhook(seed.whatsapp.phoneNumberId);
      if (!verification.verified) {
        throw new StackError(
          `the gateway refused the simulator's webhook verification (HTTP ${verification.status_code ?? 'none'}${verification.error ? `, ${verification.error}` : ''}); gateway log: ${started.get('gateway')?.logFile ?? '?'}`,
        );
      }
      log('webhook verification handshake passed');
    }

    const app = (name: AppName): StartedProcess => {
      const handle = started.get(name);
      if (handle === undefined)
        throw new StackError(`${name} is not part of this stack (apps: ${apps.join(', ')})`);
      return handle;
    };

    return {
      label,
      seed,
      ports,
      topicPrefix,
      database: { name: database.name, adminUrl: database.adminUrl },
      files,
      urls,
      apps,
      simulator,
      app,
      mintToken: (request = {}) => mintToken(urls.api, seed, request),
      patientSays: (waId, text, patientOptions) => simulator.patientSays(waId, text, patientOptions),
      logReport: (lines = 40) => logReport(started, lines),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

function stackUrls(host: string, ports: StackPorts): StackUrls {
  const api = urlOf(host, ports.api);
  const gateway = urlOf(host, ports.gateway);
  const simulator = urlOf(host, ports.simulator);
  return {
    api,
    apiDocs: `${api}/docs`,
    openapi: `${api}/openapi.json`,
    gateway,
    webhook: `${gateway}/webhooks/whatsapp`,
    gatewayGrpc: `${host}:${ports.gatewayGrpc}`,
    ingest: urlOf(host, ports.ingest),
    messaging: urlOf(host, ports.messaging),
    messagingGrpc: `${host}:${ports.messagingGrpc}`,
    audit: urlOf(host, ports.audit),
    scheduling: urlOf(host, ports.scheduling),
    schedulingGrpc: `${host}:${ports.schedulingGrpc}`,
    records: urlOf(host, ports.records),
    recordsGrpc: `${host}:${ports.recordsGrpc}`,
    auditGrpc: `${host}:${ports.auditGrpc}`,
    simulator,
    simulatorControl: `${simulator}/_sim`,
    console: urlOf(host, ports.console),
  };
}

function httpUrlOf(app: AppName, urls: StackUrls): string {
  switch (app) {
    case 'wa-simulator':
      return urls.simulator;
    case 'gateway':
      return urls.gateway;
    case 'ingest':
      return urls.ingest;
    case 'messaging':
      return urls.messaging;
    case 'scheduling':
      return urls.scheduling ?? '';
    case 'records':
      return urls.records ?? '';
    case 'audit':
      return urls.audit ?? '';
    case 'api':
      return urls.api;
    case 'console':
      return urls.console ?? '';
  }
}

const TokenResponseSchema = z.union([
  z.object({ token: z.string().min(1) }).transform((body) => body.token),
  z.object({ access_token: z.string().min(1) }).transform((body) => body.access_token),
]);

async function mintToken(apiUrl: string, seed: StackSeed, request: MintTokenRequest): Promise<string> {
  const body = {
    subject: request.subject ?? seed.staff.subject,
    tenantId: request.tenantId ?? seed.tenant.id,
    roles: request.roles ?? seed.staff.roles,
    name: request.name ?? seed.staff.name,
    ...(request.ttlSeconds === undefined ? {} : { ttlSeconds: request.ttlSeconds }),
  };
  const response = await requestJson('POST', `${apiUrl}/dev/token`, { body });
  return expectStatus(response, 200, TokenResponseSchema, 'api: POST /dev/token');
}

function logReport(started: ReadonlyMap<AppName, StartedProcess>, lines: number): string {
  return [...started.values()]
    .map((handle) => {
      const state = handle.running() ? `running, pid ${handle.pid}` : 'exited';
      const tail = handle.logs().split('\n').slice(-lines).join('\n');
      return `----- ${handle.name} (${state}) — ${handle.logFile}\n${tail}`;
    })
    .join('\n');
}

export type { StackDatabase };
