// The gateway as it ships: the esbuild bundle (dist/apps/gateway/main.js, migrations inlined) run
// as a real process. It starts on real Postgres and Kafka, is ready, answers Meta, and drains on
// SIGTERM with exit code 0; a bad environment stops it with one line that holds no secret.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildAppBundle, freePort, runToExit, startProcess } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_MARKER, channelFixtures } from './test/fixtures';
import { type TestInfra, provisionTestInfra } from './test/harness';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bundle = fileURLToPath(new URL('../../../dist/apps/gateway/main.js', import.meta.url));

let infra: TestInfra;

beforeAll(async () => {
  // Always rebuilt: a stale bundle would test yesterday's code.
  await buildAppBundle('gateway');
  expect(existsSync(bundle)).toBe(true);
  infra = await provisionTestInfra();
});

afterAll(async () => {
  await infra?.database.drop();
});

describe('the gateway process', () => {
  it('exits 1 with one line naming the bad variable, never a secret', async () => {
    const broken = channelFixtures();
    broken[0]!.tenant_id = `tenant-${SECRET_MARKER}`;
    const failure = await runToExit(process.execPath, [bundle], {
      cwd: repoRoot,
      env: { ...process.env, ...infra.env({ GATEWAY_CHANNELS: JSON.stringify(broken), LOG_LEVEL: 'info' }) },
    });
    expect(failure.code).toBe(1);
    expect(failure.stderr).toBe(
      'gateway: invalid configuration: GATEWAY_CHANNELS is invalid (entry 0 tenant_id must be a UUID)\n',
    );
  });

  it('starts, becomes ready, answers the handshake and drains on SIGTERM', async () => {
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const gateway = await startProcess({
      name: 'gateway',
      command: process.execPath,
      args: [bundle],
      cwd: repoRoot,
      env: infra.env({ HTTP_PORT: String(httpPort), GRPC_PORT: String(grpcPort), LOG_LEVEL: 'info' }),
      readyUrl: `http://127.0.0.1:${httpPort}/readyz`,
    });
    const query = new URLSearchParams({
      'hub.mode': 'subscribe',
      'hub.challenge': '42',
      'hub.verify_token': `verify-${SECRET_MARKER}`,
    });
    const response = await fetch(`http://127.0.0.1:${httpPort}/webhooks/whatsapp?${query.toString()}`);
    expect(await response.text()).toBe('42');
    expect(await gateway.stop('SIGTERM')).toBe(0);
    const logs = gateway.logs();
    expect(logs).toContain('gateway started');
    expect(logs).not.toContain(SECRET_MARKER);
  });
});
