// deploy/compose/compose.yaml, without Docker: every app is there, built from the shared
// Dockerfile, locked down like in Kubernetes, and given only variables it reads.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appEnv, envProblems } from './app-env';
import { appsInRepo } from './coverage';
import { REPO_ROOT } from './toolchain';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  read_only?: boolean;
  cap_drop?: string[];
}

const compose = parse(await readFile(`${REPO_ROOT}deploy/compose/compose.yaml`, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};

const apps = await appsInRepo();

describe('deploy/compose/compose.yaml', () => {
  it('runs Postgres, Kafka (the Apache image) and every app, the simulator included', () => {
    const services = Object.keys(compose.services);
    expect(services).toEqual(expect.arrayContaining(['postgres', 'kafka', ...apps]));
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:/);
  });

  it.each(apps)('builds %s from deploy/docker/Dockerfile, read-only, no capabilities', (app) => {
    const service = compose.services[app]!;
    expect(service.build).toEqual({ context: '../..', dockerfile: 'deploy/docker/Dockerfile', args: { APP: app } });
    expect(service.read_only).toBe(true);
    expect(service.cap_drop).toEqual(['ALL']);
  });

  it.each(apps)('gives %s only variables it reads, and every one it requires', async (app) => {
    const env = compose.services[app]!.environment ?? {};
    expect(envProblems(app, await appEnv(app), Object.keys(env))).toEqual([]);
  });
});
