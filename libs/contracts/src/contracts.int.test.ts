// The contract checks that need tools outside the test process: buf (lint, and breaking changes
// against the committed baseline) and a real grpc-js server for the generated service code.
// No Postgres or Kafka.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChannelServiceClient,
  ChannelServiceDefinition,
  HealthCheckResponse_ServingStatus,
  HealthClient,
  HealthServiceDefinition,
  MessagingServiceDefinition,
  type ChannelServiceHandlers,
  type HealthHandlers,
  type ResolveChannelResponse,
} from './index';

const protoDir = fileURLToPath(new URL('../../../proto', import.meta.url));
const baseline = join(protoDir, 'baseline', 'careline.txtpb');
// @bufbuild/buf's bin is a node script that runs the platform binary.
const bufBin = createRequire(import.meta.url).resolve('@bufbuild/buf/bin/buf');

interface BufRun {
  exitCode: number;
  output: string;
}

function buf(...args: string[]): Promise<BufRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bufBin, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ exitCode, output: `${stdout}${stderr}`.trim() });
    });
  });
}

describe('buf', () => {
  // Compared whole, so a failure prints buf's own findings.
  it('lint passes with the STANDARD (default) rules', async () => {
    expect(await buf('lint', protoDir)).toEqual({ exitCode: 0, output: '' });
  }, 60_000);

  it('finds no breaking change against the committed baseline', async () => {
    expect(await buf('breaking', protoDir, '--against', baseline)).toEqual({ exitCode: 0, output: '' });
  }, 60_000);

  describe('against a changed copy of the contracts', () => {
    let copy = '';
    beforeAll(async () => {
      copy = await mkdtemp(join(tmpdir(), 'careline-proto-'));
      await cp(protoDir, copy, { recursive: true });
    });
    afterAll(async () => {
      if (copy !== '') await rm(copy, { recursive: true, force: true });
    });

    it('reports a field whose type changed, so the check above can fail', async () => {
      const file = join(copy, 'careline', 'common', 'v1', 'sealed.proto');
      const source = await readFile(file, 'utf8');
      expect(source).toContain('bytes nonce = 3;');
      await writeFile(file, source.replace('bytes nonce = 3;', 'string nonce = 3;'));
      const run = await buf('breaking', copy, '--against', baseline);
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toMatch(/nonce.*type/i);
    }, 60_000);
  });
});

describe('generated gRPC code with grpc-js', () => {
  const server = new Server();
  let address = '';

  beforeAll(async () => {
    const channels: ChannelServiceHandlers = {
      resolveChannel: (call, callback) => {
        if (call.request.phoneNumberId !== '106540352242922') {
          callback({ code: status.NOT_FOUND, details: 'channel not found' });
          return;
        }
        callback(null, {
          channel: {
            phoneNumberId: '106540352242922',
            tenantId: 't-1',
            displayPhoneNumber: '+1 555 0100',
            wabaId: 'waba-1',
          },
        });
      },
      // Not exercised here (the gateway's tests cover them).
      registerChannel: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
      listChannels: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
      updateChannel: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
    };
    const health: HealthHandlers = {
      check: (_call, callback) => callback(null, { status: HealthCheckResponse_ServingStatus.SERVING }),
      list: (_call, callback) => callback(null, { statuses: {} }),
      watch: (call) => {
        call.write({ status: HealthCheckResponse_ServingStatus.SERVING });
        call.end();
      },
    };
    server.addService(ChannelServiceDefinition, channels);
    server.addService(HealthServiceDefinition, health);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    address = `127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it('serve the method paths integration teams call', () => {
    expect(MessagingServiceDefinition.sendText.path).toBe('/careline.messaging.v1.MessagingService/SendText');
    expect(MessagingServiceDefinition.listConversations.path).toBe(
      '/careline.messaging.v1.MessagingService/ListConversations',
    );
    expect(ChannelServiceDefinition.resolveChannel.path).toBe(
      '/careline.gateway.v1.ChannelService/ResolveChannel',
    );
    expect(HealthServiceDefinition.check.path).toBe('/grpc.health.v1.Health/Check');
    expect(HealthServiceDefinition.watch.responseStream).toBe(true);
  });

  it('resolve a channel over a real connection, and map NOT_FOUND', async () => {
    const client = new ChannelServiceClient(address, credentials.createInsecure());
    try {
      const found = await new Promise<ResolveChannelResponse>((resolve, reject) =>
        client.resolveChannel({ phoneNumberId: '106540352242922' }, (error, response) =>
          error ? reject(error) : resolve(response),
        ),
      );
      expect(found.channel).toEqual({
        phoneNumberId: '106540352242922',
        tenantId: 't-1',
        displayPhoneNumber: '+1 555 0100',
        wabaId: 'waba-1',
      });
      const missing = await new Promise<ServiceError | null>((resolve) =>
        client.resolveChannel({ phoneNumberId: 'unknown' }, (error) => resolve(error)),
      );
      expect(missing?.code).toBe(status.NOT_FOUND);
    } finally {
      client.close();
    }
  });

  it('answer the standard health Check and Watch', async () => {
    const client = new HealthClient(address, credentials.createInsecure());
    try {
      const checked = await new Promise((resolve, reject) =>
        client.check({ service: '' }, (error, response) => (error ? reject(error) : resolve(response))),
      );
      expect(checked).toEqual({ status: HealthCheckResponse_ServingStatus.SERVING });
      const watched: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.watch({ service: '' });
        stream.on('data', (message: unknown) => watched.push(message));
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      expect(watched).toEqual([{ status: HealthCheckResponse_ServingStatus.SERVING }]);
    } finally {
      client.close();
    }
  });
});
